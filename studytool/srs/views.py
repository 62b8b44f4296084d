"""What the study service hands to the CLI, the TUI and the exporters (plain dataclasses)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from studytool.srs.workload import Workload


@dataclass(frozen=True)
class CardView:
    card_id: int
    deck_id: str
    question_id: str
    text: str
    answer: str
    mistake: str | None
    answers: tuple[str, ...]
    tags: tuple[str, ...]
    state: str  # new | learning | review | relearning
    due: datetime  # UTC-aware
    suspended: bool = False
    buried_until: datetime | None = None
    archived: bool = False
    last_review: datetime | None = None
    stability: float | None = None
    difficulty: float | None = None
    retrievability: float | None = None  # chance of recall now (srs.memory.recall_now)
    leech: bool = False  # lapsed the settings' leech threshold times
    # Why the saved scheduling state is unusable (then it is scheduled as if new), or None.
    problem: str | None = None


@dataclass(frozen=True)
class DeckSummary:
    """Counts for today: `new`, `learning` and `review` are what today's queue will show."""

    id: str
    title: str
    new: int
    learning: int
    review: int
    due_today: int
    reviewed_today: int
    total: int = 0  # cards not archived
    suspended: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # every field, in their order here


@dataclass(frozen=True)
class ReviewRow:
    id: int
    card_id: int
    rating: int
    reviewed_at: datetime
    duration_ms: int | None
    state_before: str
    state_after: str
    due_after: datetime
    grade_score: float | None = None  # a typed answer's grade, when there was one
    suggested_rating: int | None = None
    typed_answer: str | None = None


@dataclass(frozen=True)
class TypedGrade:
    """What a review stores about a typed answer: the grader's score and suggestion."""

    score: float
    suggested_rating: int
    answer: str


@dataclass(frozen=True)
class Stats:
    reviews_today: int
    due_tomorrow: int
    retention_30d: float | None  # share of review-state cards recalled (None: no reviews)
    by_state: dict[str, int]  # new, learning, review, relearning, suspended, archived
    reviews_per_day: list[tuple[str, int]] = field(default_factory=list)  # last 30 days
    forecast_30d: list[tuple[str, int]] = field(default_factory=list)  # reviews due per day
    leeches: list[str] = field(default_factory=list)  # question ids of the leeches
    # reviews/day the studied cards will ask for over the next 30 days at the desired retention
    workload: Workload | None = None

    def to_json(self) -> dict[str, Any]:
        # Every field in its order here, the (date, count) pairs as objects.
        return {**asdict(self),
                "workload": self.workload.to_json() if self.workload else None,
                "reviews_per_day": [{"date": d, "count": n} for d, n in self.reviews_per_day],
                "forecast_30d": [{"date": d, "count": n} for d, n in self.forecast_30d]}


def leech_news(card: CardView) -> str:
    """What the CLI and the app say when a rating has just made `card` a leech."""
    return (f"{card.question_id} has lapsed too often (tagged leech"
            + (", and suspended" if card.suspended else "") + "); rewrite or split the card")
