"""Deck files -> cards: new questions become cards, edited ones keep their progress, removed
ones are archived with their history, and a question that comes back is unarchived."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from studytool.store.models import NEW, CardRow, DeckRow

if TYPE_CHECKING:
    from studytool.deck import Deck, Question, SyncPlan


def deck_fingerprint(deck: Deck) -> str:
    """Changes when anything stored from the file changes: title, path, order, any question's
    content or metadata (tags, links, mistake, section, kind)."""
    questions = [[q.id, q.text, q.answer, list(q.tags), list(q.answers), q.mistake, q.section,
                  q.kind] for q in deck.questions]
    data = json.dumps([deck.title, str(deck.path or ""), questions], ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def unchanged_plan(deck: Deck) -> SyncPlan:
    """The plan of a deck whose stored fingerprint matches: nothing to do."""
    from studytool.deck import plan_sync

    return plan_sync(deck, {q.id: q.fingerprint() for q in deck.questions})


def stored_fingerprints(session: Session) -> dict[str, str]:
    """Each stored deck's fingerprint: read first, so an unchanged deck needs no write."""
    return {deck_id: fp for deck_id, fp in session.execute(
        select(DeckRow.id, DeckRow.fingerprint))}


def sync_deck(session: Session, deck: Deck, now: datetime) -> SyncPlan:
    """Apply `plan_sync` for one deck; returns the plan."""
    from studytool.deck import plan_sync

    fingerprint = deck_fingerprint(deck)
    row = session.get(DeckRow, deck.id)
    if row is not None and row.fingerprint == fingerprint:
        # Unchanged since the last sync: the plan says so without touching the cards.
        return unchanged_plan(deck)
    if row is None:
        row = DeckRow(id=deck.id, title=deck.title, path=str(deck.path or ""), fingerprint="")
        session.add(row)
        session.flush()
    cards = {card.question_id: card for card in session.scalars(
        select(CardRow).where(CardRow.deck_id == deck.id))}
    plan = plan_sync(deck, {qid: card.fingerprint for qid, card in cards.items()},
                     archived={qid for qid, card in cards.items() if card.archived})
    for position, question in enumerate(deck.questions):
        card = cards.get(question.id)
        if card is None:  # plan.new
            session.add(_new_card(deck.id, question, position, now))
            continue
        # changed: new content, same schedule; restored: back from the archive; unchanged:
        # metadata (tags, links, order) may still differ. Progress is never touched.
        _copy_content(card, question)
        card.position = position
        card.archived = False
    for question_id in plan.archived:
        cards[question_id].archived = True
    row.title, row.path, row.fingerprint = deck.title, str(deck.path or ""), fingerprint
    return plan


def _new_card(deck_id: str, question: Question, position: int, now: datetime) -> CardRow:
    card = CardRow(deck_id=deck_id, question_id=question.id, position=position, state=NEW,
                   due=now, suspended=False, archived=False)
    _copy_content(card, question)
    return card


def _copy_content(card: CardRow, question: Question) -> None:
    card.text = question.text
    card.answer = question.answer
    card.mistake = question.mistake
    card.answers = list(question.answers)
    card.tags = list(question.tags)
    card.section = question.section
    card.kind = question.kind or ""
    card.fingerprint = question.fingerprint()
