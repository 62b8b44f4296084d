"""Rescheduling the cards already studied, after new FSRS parameters (`optimize --save`) or a
new desired retention, in the transaction that saves them.

New parameters change what fsrs thinks each card's memory is, so every card's history is
replayed through fsrs's `Scheduler.reschedule_card` (cram reviews left out: they never
scheduled anything). A new retention alone leaves stability and difficulty as they are (fsrs
updates them from the time elapsed, not from the target), so a review card's next due date
is simply its last review plus fsrs's interval for its stability at the new target: no
replay. Either way the changed cards are written in one executemany (store.bulk_update,
which rebuilds the indexes of a large batch instead of updating them row by row): a new
retention on 100,000 cards took 1.3 s here, 2.1 s before that (`benchmarks/
reschedule_scale.py`); new parameters, 9.6 s for 500,000 reviews, most of it fsrs replaying
them one by one in Python. Cards in learning keep their step's due time either way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fsrs import Card, Rating, ReviewLog, Scheduler, State
from sqlalchemy import select
from sqlalchemy.orm import Session

from studytool.config import Settings
from studytool.srs.fsrs_bridge import make_scheduler, to_fsrs
from studytool.srs.workload import Workload, forecast, sample
from studytool.store.bulk_update import update_by_id
from studytool.store.models import NEW, REVIEW, CardRow, ReviewLogRow
from studytool.store.scoping import restrict

_COLUMNS = (CardRow.id, CardRow.state, CardRow.step, CardRow.stability, CardRow.difficulty,
            CardRow.due, CardRow.last_review, CardRow.suspended)
_CARDS: Any = CardRow.__table__


@dataclass(frozen=True)
class Rescheduled:
    cards: int  # studied cards looked at
    moved: int  # of them, those whose due date changed
    before: Workload
    after: Workload

    def text(self) -> str:
        return (f"Rescheduled {self.cards:,} studied cards: {self.moved:,} due dates moved; "
                f"workload {self.before.per_day:.1f} -> {self.after.per_day:.1f} reviews/day "
                f"over the next 30 days")

    def to_json(self) -> dict[str, Any]:
        return {"cards": self.cards, "moved": self.moved, "before": self.before.to_json(),
                "after": self.after.to_json()}


def reschedule(session: Session, old: Settings, new: Settings, now: datetime) -> Rescheduled:
    """Move the studied cards' due dates from `old` settings' schedule to `new`'s, in the
    caller's transaction (the one that saves `new`)."""
    before_scheduler = make_scheduler(old, fuzz=False)
    scheduler = make_scheduler(new, fuzz=False)
    # Core rows on the session's connection (so scoped to its learner by hand): the ORM's
    # per-row loading cost as much as the query at 100,000 cards.
    query: Any = (select(*_COLUMNS).where(CardRow.archived.is_(False), CardRow.state != NEW)
                  .order_by(CardRow.id))
    rows = session.connection().execute(restrict(session, query)).all()
    # Suspended cards move too (they are due on the new schedule once unsuspended), but the
    # workload counts only the cards that will be asked, as the stats' forecast does: the
    # same sample of them (workload.studied_sample), so both show the same number.
    asked = [i for i, row in enumerate(rows) if not row.suspended]
    chosen = [asked[i] for i in sample(len(asked))]
    before = [to_fsrs(rows[i]) for i in chosen]  # type: ignore[arg-type]  # to_fsrs's columns
    if new.fsrs_parameters != old.fsrs_parameters:
        stored = [to_fsrs(row) for row in rows]  # type: ignore[arg-type]  # its columns
        cards = _replayed(session, scheduler, stored)  # new Cards: fsrs copies what it replays
        changes = [new for new, was in zip(map(_fields, cards), map(_fields, stored),
                                           strict=True) if new != was]
        _write(session, changes)
        count = len(changes)
        after = [cards[i] for i in chosen]
    else:
        # Only review cards' due dates change, and only `due` is written: fewer indexes to
        # rebuild than for a whole scheduling state. In id order (the query's): the table's
        # pages are then written one after another.
        dues: dict[int, datetime] = {}
        moved: list[tuple[int, datetime]] = []
        for card_id, state, _step, stability, _difficulty, due, last_review, _s in rows:
            if state == REVIEW and stability is not None and last_review is not None:
                dues[card_id] = new_due = _review_due(scheduler, stability, last_review)
                if new_due != due:
                    moved.append((card_id, new_due))
        update_by_id(session, _CARDS, ("due",), moved)
        count = len(moved)
        after = [_with_due(card, dues.get(card.card_id, card.due)) for card in before]
    return Rescheduled(len(rows), count, forecast(before, before_scheduler, now, len(asked)),
                       forecast(after, scheduler, now, len(asked)))


def _write(session: Session, changes: list[dict[str, Any]]) -> None:
    """The changed cards' fields (`card`: the id), in one executemany (store.bulk_update)."""
    if changes:
        columns = [name for name in changes[0] if name != "card"]
        update_by_id(session, _CARDS, columns,
                     [(c["card"], *(c[name] for name in columns)) for c in changes])


def _fields(card: Card) -> dict[str, Any]:
    return {"card": card.card_id, "state": int(card.state), "step": card.step,
            "stability": card.stability, "difficulty": card.difficulty, "due": card.due,
            "last_review": card.last_review}


def _review_due(scheduler: Scheduler, stability: float, last_review: datetime) -> datetime:
    """A review card's due date: its last review plus fsrs's own interval for `stability`."""
    return last_review + timedelta(days=scheduler._next_interval(stability=stability))


def _with_due(card: Card, due: datetime) -> Card:
    return Card(card_id=card.card_id, state=card.state, step=card.step,
                stability=card.stability, difficulty=card.difficulty, due=due,
                last_review=card.last_review)


def _replayed(session: Session, scheduler: Scheduler, cards: list[Card]) -> list[Card]:
    logs: dict[int, list[ReviewLog]] = defaultdict(list)
    query: Any = (select(ReviewLogRow.card_id, ReviewLogRow.rating, ReviewLogRow.reviewed_at)
                  .where(ReviewLogRow.cram.is_(False))
                  .order_by(ReviewLogRow.card_id, ReviewLogRow.reviewed_at, ReviewLogRow.id))
    ratings = {int(rating): rating for rating in Rating}  # the enum's lookup costs more
    # Core rows, scoped by hand, as the cards' (the ORM's per-row work cost more here too)
    for card_id, rating, at in session.connection().execute(restrict(session, query)):
        logs[card_id].append(ReviewLog(card_id=card_id, rating=ratings[rating],
                                       review_datetime=at, review_duration=None))
    out = []
    for card in cards:
        history = logs.get(card.card_id)
        # A card with no history here (its state came with an import) keeps its memory
        # state; only its interval follows the new parameters.
        if history:
            out.append(scheduler.reschedule_card(card, history))
        elif card.state == State.Review and card.stability and card.last_review:
            out.append(_with_due(card, _review_due(scheduler, card.stability,
                                                   card.last_review)))
        else:
            out.append(card)
    return out
