"""Deck files -> decks -> each learner's cards.

A deck's content (its questions) is stored once, in `decks`, shared by every learner. Each
learner's cards are built from that stored content: new questions become cards, edited ones
keep their progress, removed ones are archived with their history, and a question that comes
back is unarchived. A learner's settings remember which version of each deck their cards were
last built from (`synced:DECK`), so an unchanged deck costs one read at start-up.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from studytool.srs.settings_store import put_setting
from studytool.store.models import NEW, CardRow, DeckRow, SettingRow

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


MARK_PREFIX = "synced:"


def stored_fingerprints(session: Session) -> dict[str, str]:
    """Each stored deck's fingerprint: read first, so an unchanged deck needs no write."""
    return {deck_id: fp for deck_id, fp in session.execute(
        select(DeckRow.id, DeckRow.fingerprint))}


def learner_marks(session: Session) -> dict[str, str]:
    """Deck id -> the fingerprint this session's learner's cards were built from."""
    return {key[len(MARK_PREFIX):]: str(value) for key, value in session.execute(
        select(SettingRow.key, SettingRow.value).where(SettingRow.key.startswith(MARK_PREFIX)))}


def stored_deck(row: DeckRow) -> Deck | None:
    """The deck as stored in the database (None for a row synced before migration 0006)."""
    from studytool.deck.models import Deck, question_from_table

    if row.content is None:
        return None
    return Deck(row.id, row.title, Path(row.path), tuple(
        question_from_table(table) for table in row.content))


def store_content(session: Session, deck: Deck) -> DeckRow:
    """Write a deck's content into `decks` (shared by every learner) unless it is there."""
    fingerprint = deck_fingerprint(deck)
    row = session.get(DeckRow, deck.id)
    if row is None:
        row = DeckRow(id=deck.id)
        session.add(row)
    if row.fingerprint != fingerprint or row.content is None:
        row.title, row.path, row.fingerprint = deck.title, str(deck.path or ""), fingerprint
        row.content = [_question_table(q) for q in deck.questions]
        session.flush()
    return row


def _question_table(question: Question) -> dict[str, object]:
    table: dict[str, object] = {"id": question.id, "text": question.text,
                                "answer": question.answer,
             "tags": list(question.tags), "answers": list(question.answers),
             "kind": question.kind, "concepts": list(question.concepts)}
    table.update({key: value for key, value in (("mistake", question.mistake),
                                                ("section", question.section)) if value})
    return table


def sync_deck(session: Session, deck: Deck, now: datetime, content: bool = True) -> SyncPlan:
    """Build this session's learner's cards from `deck` (stored first when `content`);
    returns the plan."""
    from studytool.deck import plan_sync

    fingerprint = deck_fingerprint(deck)
    if content:
        store_content(session, deck)
    if learner_marks(session).get(deck.id) == fingerprint:
        # Unchanged since the last sync: the plan says so without touching the cards.
        return unchanged_plan(deck)
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
    put_setting(session, MARK_PREFIX + deck.id, fingerprint)
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
