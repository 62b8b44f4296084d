"""What the scheduler knows of each card: its FSRS memory state (stability S in days,
difficulty D from 1 to 10), its retrievability R now (fsrs's predicted chance of recall at
this moment, from S and the time since the last review), and its lapses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fsrs import Scheduler
from sqlalchemy import func, select

from studytool.srs.fsrs_bridge import make_scheduler, row_problem, to_fsrs
from studytool.srs.settings_store import load_settings
from studytool.store import queries as q
from studytool.store.database import Database
from studytool.store.models import NEW, STATE_NAMES, CardRow, ReviewLogRow


@dataclass(frozen=True)
class CardMemory:
    deck_id: str
    question_id: str
    state: str
    due: datetime
    stability: float | None
    difficulty: float | None
    retrievability: float | None  # None for a card never reviewed
    lapses: int  # Again while in review
    suspended: bool
    buried: bool
    leech: bool

    def to_json(self) -> dict[str, Any]:
        return {"question_id": self.question_id, "deck_id": self.deck_id, "state": self.state,
                "due": self.due.isoformat(), "stability": self.stability,
                "difficulty": self.difficulty, "retrievability": self.retrievability,
                "lapses": self.lapses, "suspended": self.suspended, "buried": self.buried,
                "leech": self.leech}


def recall_now(scheduler: Scheduler, row: CardRow, now: datetime) -> float | None:
    """The card's retrievability at `now`; None for a card never reviewed (or unusable)."""
    known = (row.state != NEW and row.last_review is not None
             and row.stability is not None and row_problem(row) is None)
    return float(scheduler.get_card_retrievability(to_fsrs(row), now)) if known else None


def card_memory(db: Database, now: datetime, deck: str | None = None) -> list[CardMemory]:
    """Every card not archived (of `deck`, when given), by deck and question id."""
    with db.session(write=False) as session:
        scheduler = make_scheduler(load_settings(session), fuzz=False)
        lapses = {card: count for card, count in session.execute(
            select(ReviewLogRow.card_id, func.count()).where(q.LAPSE)
            .group_by(ReviewLogRow.card_id))}
        query = select(CardRow).where(CardRow.archived.is_(False))
        if deck is not None:
            query = query.where(CardRow.deck_id == deck)
        out = []
        for row in session.scalars(query.order_by(CardRow.deck_id, CardRow.question_id)):
            out.append(CardMemory(
                deck_id=row.deck_id, question_id=row.question_id,
                state=STATE_NAMES[row.state], due=row.due, stability=row.stability,
                difficulty=row.difficulty, retrievability=recall_now(scheduler, row, now),
                lapses=lapses.get(row.id, 0), suspended=row.suspended,
                buried=row.buried_until is not None and row.buried_until > now,
                leech=row.leech))
    return out
