"""Between the store's card rows and `fsrs` (FSRS-6): scheduler, conversions, snapshots."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fsrs import Card, Scheduler, State

from studytool.config import Settings
from studytool.store.models import NEW, CardRow


def make_scheduler(settings: Settings, fuzz: bool = True) -> Scheduler:
    if settings.fsrs_parameters:
        return Scheduler(parameters=settings.fsrs_parameters,
                         desired_retention=settings.desired_retention, enable_fuzzing=fuzz)
    return Scheduler(desired_retention=settings.desired_retention, enable_fuzzing=fuzz)


def to_fsrs(row: CardRow) -> Card:
    if row.state == NEW:
        # fsrs has no New state: a never-reviewed card is Learning at step 0.
        return Card(card_id=row.id, state=State.Learning, step=0, due=row.due)
    return Card(card_id=row.id, state=State(row.state), step=row.step, stability=row.stability,
                difficulty=row.difficulty, due=row.due, last_review=row.last_review)


def apply_fsrs(row: CardRow, card: Card) -> None:
    row.state = int(card.state)
    row.step = card.step
    row.stability = card.stability
    row.difficulty = card.difficulty
    row.due = card.due
    row.last_review = card.last_review


def snapshot(row: CardRow) -> dict[str, Any]:
    """The scheduling fields as JSON, exact (floats round-trip through repr)."""
    return {
        "state": row.state, "step": row.step, "stability": row.stability,
        "difficulty": row.difficulty, "due": row.due.isoformat(),
        "last_review": row.last_review.isoformat() if row.last_review else None,
        "buried_until": row.buried_until.isoformat() if row.buried_until else None,
    }


def restore(row: CardRow, saved: dict[str, Any]) -> None:
    row.state = int(saved["state"])
    row.step = saved["step"]
    row.stability = saved["stability"]
    row.difficulty = saved["difficulty"]
    row.due = _parse(saved["due"]) or datetime.now(UTC)
    row.last_review = _parse(saved["last_review"])
    row.buried_until = _parse(saved.get("buried_until"))


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
