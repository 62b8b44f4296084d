"""Exercise progress (done, attempts, hints shown): the one interface the CLI and TUI call.

Stored in the store's `exercise_progress` table (ExerciseProgressRow, migration 0003), one row
per exercise the learner has touched; every call takes the one open Database and is one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from studytool.store.models import ExerciseProgressRow
from studytool.store.scoping import learner_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from studytool.store import Database


@dataclass
class Progress:
    name: str
    done: bool = False
    attempts: int = 0
    hints_shown: int = 0
    last_passed: bool | None = None
    last_verified_at: datetime | None = None  # UTC-aware
    done_at: datetime | None = None

    @property
    def status(self) -> str:
        """What `exercise list` shows: "done" when the last verification passed, "failing"
        when the file passed once but its last verification failed (`done` itself records
        that it was ever done, and stays), "pending" when it never passed."""
        if self.done and self.last_passed is not False:
            return "done"
        return "failing" if self.done else "pending"


_FIELDS = ("done", "attempts", "hints_shown", "last_passed", "last_verified_at", "done_at")


def _from_row(row: ExerciseProgressRow) -> Progress:
    return Progress(row.name, **{key: getattr(row, key) for key in _FIELDS})


def load_all(db: Database) -> dict[str, Progress]:
    """Every exercise's progress recorded in this database, by exercise name."""
    with db.session(write=False) as session:
        return {row.name: _from_row(row) for row in session.scalars(select(ExerciseProgressRow))}


def get(db: Database, name: str) -> Progress:
    with db.session(write=False) as session:
        return read(session, name)


def read(session: Session, name: str) -> Progress:
    row = session.get(ExerciseProgressRow, (learner_of(session), name))
    return _from_row(row) if row is not None else Progress(name)


def write(session: Session, name: str, change: Callable[[Progress], None]) -> Progress:
    """Read, change and write one exercise's row inside the caller's transaction."""
    row = session.get(ExerciseProgressRow, (learner_of(session), name))
    progress = _from_row(row) if row is not None else Progress(name)
    change(progress)
    if row is None:
        row = ExerciseProgressRow(name=name)
        session.add(row)
    for key in _FIELDS:
        setattr(row, key, getattr(progress, key))
    session.flush()
    return progress


def _update(db: Database, name: str, change: Callable[[Progress], None]) -> Progress:
    """Read, change and write one exercise's row in one transaction."""
    with db.session() as session:
        return write(session, name, change)


def verify_change(passed: bool) -> Callable[[Progress], None]:
    """One more attempt; a pass marks the exercise done (and `done` stays: `status` says
    whether the latest attempt still passes)."""

    def change(progress: Progress) -> None:
        progress.attempts += 1
        progress.last_passed = passed
        progress.last_verified_at = datetime.now(UTC)
        if passed and not progress.done:
            progress.done, progress.done_at = True, progress.last_verified_at

    return change


def record_verify(db: Database, name: str, passed: bool) -> Progress:
    """Record a verification (see `verify_change`) on its own."""
    return _update(db, name, verify_change(passed))


# A verification is the strongest recall test a card gets: the app records it as a review of
# the cards of the questions the exercise answers, passed as Good, failed as Again. Only a
# verdict that differs from the last one counts (the first, a fail turned pass, a pass
# broken): the watch verifies on every save, and ten failing saves are one lapse, not ten.
PASS_RATING, FAIL_RATING = 3, 1


def record_verify_as_review(service: Any, exercise: Any, passed: bool) -> tuple[Progress, int]:
    """Record a verification and, when its verdict is news, review the exercise's cards by it,
    all in one transaction (`service` is the app's StudyService, so `u` in review undoes these
    like any rating). Returns the progress and how many cards were reviewed."""
    with service.db.session(write=False) as session:
        news = read(session, exercise.name).last_passed is not passed
    card_ids = service.card_ids_for(exercise.questions) if news else []
    recorded: list[Progress] = []

    def also(session: Session) -> None:
        recorded.append(write(session, exercise.name, verify_change(passed)))

    service.rate_many(card_ids, PASS_RATING if passed else FAIL_RATING, also=also)
    return recorded[0], len(card_ids)


def record_hint(db: Database, name: str, total: int) -> Progress:
    """One more hint shown (never more than the exercise has)."""

    def change(progress: Progress) -> None:
        progress.hints_shown = min(progress.hints_shown + 1, total)

    return _update(db, name, change)
