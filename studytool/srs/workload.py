"""The workload ahead: how many reviews a day the cards already studied will ask for over the
next 30 days at a desired retention (fsrs's scheduler, simulated).

Each card is followed from its due date: at every review it is recalled with fsrs's own
predicted chance (its retrievability then), rated Good when recalled and Again when not, and
rescheduled by fsrs, until it falls due after the window. A seeded random draw makes the same
cards give the same forecast. Large collections are sampled (`SAMPLE` cards, counts scaled),
so the forecast costs the same for 100 cards as for 100,000.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler
from sqlalchemy import select
from sqlalchemy.orm import Session

from studytool.srs.fsrs_bridge import to_fsrs
from studytool.store.models import NEW, CardRow

WINDOW_DAYS = 30
SAMPLE = 1000
SEED = 19


@dataclass(frozen=True)
class Workload:
    retention: float
    per_day: float  # reviews a day, averaged over the window
    cards: int  # studied cards the forecast covers

    def to_json(self) -> dict[str, float | int]:
        return {"retention": self.retention, "reviews_per_day": round(self.per_day, 2),
                "cards": self.cards, "days": WINDOW_DAYS}

    def text(self) -> str:
        return (f"{self.per_day:.1f} reviews/day over the next {WINDOW_DAYS} days "
                f"at retention {self.retention:.2f}")


def studied_sample(session: Session) -> tuple[list[Card], int]:
    """The `sample` of the studied cards a forecast follows (cards not archived, suspended or
    new), as fsrs cards, and how many studied cards there are."""
    studied = [CardRow.archived.is_(False), CardRow.suspended.is_(False), CardRow.state != NEW]
    ids = list(session.scalars(select(CardRow.id).where(*studied).order_by(CardRow.id)))
    chosen = [ids[i] for i in sample(len(ids))]
    if not chosen:
        return [], 0
    rows = session.scalars(select(CardRow).where(CardRow.id.in_(chosen)))
    return [to_fsrs(row) for row in rows], len(ids)


def sample(total: int) -> list[int]:
    """Which of `total` studied cards a forecast follows (all of them, up to SAMPLE)."""
    if total <= SAMPLE:
        return list(range(total))
    return sorted(random.Random(SEED).sample(range(total), SAMPLE))


def forecast(chosen: Sequence[Card], scheduler: Scheduler, now: datetime,
             total: int | None = None) -> Workload:
    """`chosen`: studied (not new) cards as fsrs cards with their due dates, the `sample` of
    `total` such cards (default: all of them)."""
    total = len(chosen) if total is None else total
    rng = random.Random(SEED)
    end = now + timedelta(days=WINDOW_DAYS)
    reviews = 0
    for card in chosen:
        at = max(card.due, now)
        while at < end:
            reviews += 1
            recalled = card.stability is None or rng.random() < scheduler.get_card_retrievability(
                card, at)
            card, _log = scheduler.review_card(card, Rating.Good if recalled else Rating.Again,
                                               at)
            at = max(card.due, at + timedelta(minutes=1))
    scale = total / len(chosen) if chosen else 0.0
    return Workload(scheduler.desired_retention, reviews * scale / WINDOW_DAYS, total)
