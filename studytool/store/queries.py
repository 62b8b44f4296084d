"""The queries behind today's queue and the statistics, each backed by an index.

ix_cards_state_due / ix_cards_deck_state_due serve "due now" and "due today" (ordered by due),
ix_cards_deck_state_position the new cards in deck order, ix_review_log_reviewed_at every
"today" or "last 30 days" count over the review log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from studytool.store.models import LEARNING, NEW, RELEARNING, REVIEW, CardRow, ReviewLogRow

# A lapse: Again on a card in review (what Anki and fsrs count; leeches are counted in lapses).
# A cram review scheduled nothing, so its Again is no lapse.
SCHEDULED = ReviewLogRow.cram.is_(False)
LAPSE = (ReviewLogRow.rating == 1) & (ReviewLogRow.state_before == REVIEW) & SCHEDULED


def available(now: datetime, deck_id: str | None = None) -> list[ColumnElement[bool]]:
    """Cards that may be shown: not archived, not suspended, not buried right now."""
    conditions = [
        CardRow.archived.is_(False),
        CardRow.suspended.is_(False),
        or_(CardRow.buried_until.is_(None), CardRow.buried_until <= now),
    ]
    if deck_id is not None:
        conditions.append(CardRow.deck_id == deck_id)
    return conditions


def learning_due(session: Session, before: datetime, deck_id: str | None, now: datetime,
                 limit: int | None) -> list[int]:
    """Learning and relearning cards due before `before`, soonest first."""
    query = (select(CardRow.id)
             .where(CardRow.state.in_((LEARNING, RELEARNING)), CardRow.due <= before,
                    *available(now, deck_id))
             .order_by(CardRow.due, CardRow.id).limit(limit))
    return list(session.scalars(query))


def reviews_due(session: Session, before: datetime, deck_id: str | None, now: datetime,
                limit: int) -> list[int]:
    query = (select(CardRow.id)
             .where(CardRow.state == REVIEW, CardRow.due < before, *available(now, deck_id))
             .order_by(CardRow.due, CardRow.id).limit(limit))
    return list(session.scalars(query))


def new_cards(session: Session, deck_id: str, now: datetime, limit: int) -> list[int]:
    query = (select(CardRow.id)
             .where(CardRow.state == NEW, *available(now, deck_id))
             .order_by(CardRow.position, CardRow.id).limit(limit))
    return list(session.scalars(query))


def deck_ids_with_new(session: Session, deck_id: str | None) -> list[str]:
    query = select(CardRow.deck_id).where(CardRow.state == NEW,
                                          CardRow.archived.is_(False)).distinct()
    if deck_id is not None:
        query = query.where(CardRow.deck_id == deck_id)
    return sorted(session.scalars(query))


def introduced_since(session: Session, since: datetime,
                     deck_id: str | None = None) -> tuple[int, dict[str, int]]:
    """Since `since`: review cards started (once per card per day) and new cards per deck.

    Both count against "maximum reviews per day"; new ones also against "new per day".
    """
    query = (select(ReviewLogRow.state_before, CardRow.deck_id, func.count())
             .join(CardRow, CardRow.id == ReviewLogRow.card_id)
             .where(ReviewLogRow.reviewed_at >= since, SCHEDULED,
                    ReviewLogRow.state_before.in_((NEW, REVIEW)))
             .group_by(ReviewLogRow.state_before, CardRow.deck_id))
    if deck_id is not None:
        query = query.where(CardRow.deck_id == deck_id)
    reviews, new_by_deck = 0, {}
    for state, deck, count in session.execute(query):
        if state == NEW:
            new_by_deck[deck] = count
        else:
            reviews += count
    return reviews, new_by_deck


def count_reviews(session: Session, since: datetime, until: datetime | None = None,
                  deck_id: str | None = None) -> int:
    query = select(func.count()).select_from(ReviewLogRow).where(
        ReviewLogRow.reviewed_at >= since)
    if until is not None:
        query = query.where(ReviewLogRow.reviewed_at < until)
    if deck_id is not None:
        query = query.join(CardRow, CardRow.id == ReviewLogRow.card_id).where(
            CardRow.deck_id == deck_id)
    return session.scalar(query) or 0


def count_cards(session: Session, *conditions: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(CardRow).where(*conditions)) or 0


def retention(session: Session, since: datetime) -> tuple[int, int]:
    """(recalled, total) over scheduled reviews of cards in the Review state since `since`
    (a cram review comes before its due date: it says nothing of the target retention)."""
    recalled = func.sum(case((ReviewLogRow.rating > 1, 1), else_=0))
    query = select(func.count(), recalled).where(ReviewLogRow.reviewed_at >= since, SCHEDULED,
                                                 ReviewLogRow.state_before == REVIEW)
    total, good = session.execute(query).one()
    return int(good or 0), int(total or 0)


def cards_by_state(session: Session, deck_id: str | None = None) -> dict[str, int]:
    """Active cards per state, plus suspended and archived ones counted on their own."""
    # Grouping on the columns of ix_cards_flags_state reads the index, not the wide rows.
    columns = (CardRow.archived, CardRow.suspended, CardRow.state)
    query = select(*columns, func.count()).group_by(*columns)
    if deck_id is not None:
        query = query.where(CardRow.deck_id == deck_id)
    names = {NEW: "new", LEARNING: "learning", REVIEW: "review", RELEARNING: "relearning"}
    counts = dict.fromkeys([*names.values(), "suspended", "archived"], 0)
    for archived, suspended, state, count in session.execute(query):
        key = "archived" if archived else "suspended" if suspended else names[state]
        counts[key] += count
    return counts


def bucket_counts(session: Session, column: Any, edges: Sequence[datetime],
                  *conditions: ColumnElement[bool]) -> list[int]:
    """How many rows fall in each [edges[i], edges[i+1]).

    One COUNT per bucket, each an index range (covering): measured twice as fast on 1M review
    rows as one GROUP BY over a 30-branch CASE.
    """
    # The mapped class, not its Table: only ORM entities get the learner's criteria (scoping).
    query = select(func.count()).select_from(column.class_)
    return [session.scalar(query.where(column >= low, column < high, *conditions)) or 0
            for low, high in zip(edges, edges[1:], strict=False)]
