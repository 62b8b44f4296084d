"""Between the store's card rows and `fsrs` (FSRS-6): scheduler, conversions, snapshots."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fsrs import Card, Scheduler, State

from studytool.config import Settings
from studytool.store.models import LEARNING, NEW, RELEARNING, REVIEW, CardRow


def make_scheduler(settings: Settings, fuzz: bool = True) -> Scheduler:
    if settings.fsrs_parameters:
        return Scheduler(parameters=settings.fsrs_parameters,
                         desired_retention=settings.desired_retention, enable_fuzzing=fuzz)
    return Scheduler(desired_retention=settings.desired_retention, enable_fuzzing=fuzz)


def scheduling_problem(state: int, step: int | None, stability: float | None,
                       difficulty: float | None) -> str | None:
    """Why fsrs cannot schedule a card with these fields, or None when it can.

    fsrs needs a step in Learning, stability and difficulty in Review, all three in
    Relearning, and stability with difficulty as a pair; a New card has none of them yet.
    """
    if (stability is None) != (difficulty is None):
        return "stability and difficulty must both be set or both be null"
    if state == NEW:
        ok = step is None and stability is None
        return None if ok else "a new card has no step, stability or difficulty yet"
    if state == LEARNING:
        return None if step is not None else "a learning card needs its step"
    if state == REVIEW:
        return None if stability is not None else "a review card needs stability and difficulty"
    if state == RELEARNING:
        return (None if step is not None and stability is not None
                else "a relearning card needs its step, stability and difficulty")
    return f"unknown state {state}"


def row_problem(row: CardRow) -> str | None:
    return scheduling_problem(row.state, row.step, row.stability, row.difficulty)


def to_fsrs(row: CardRow) -> Card:
    if row.state == NEW or row_problem(row) is not None:
        # fsrs has no New state: a never-reviewed card is Learning at step 0. A row fsrs
        # cannot use (say an impossible card from an old import) is learnt again from the
        # start the same way, so it stays in the queue instead of stopping it; its next
        # rating stores a whole state again.
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
        "leech": row.leech,
    }


def restore(row: CardRow, saved: dict[str, Any]) -> None:
    row.state = int(saved["state"])
    row.step = saved["step"]
    row.stability = saved["stability"]
    row.difficulty = saved["difficulty"]
    row.due = _parse(saved["due"]) or datetime.now(UTC)
    row.last_review = _parse(saved["last_review"])
    row.buried_until = _parse(saved.get("buried_until"))
    # A review that made the card a leech (and suspended it) takes that back too; logs
    # older than leeches have no such keys.
    row.leech = bool(saved.get("leech", row.leech))
    if saved.get("unsuspend"):
        row.suspended = False


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
