"""Exercise progress (done, attempts, hints shown): the one interface the CLI and TUI call.

Stored in the database's `exercise_progress` table (migration 0003), one row per exercise the
learner has touched; each call is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Table

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


_TABLE: Table | None = None


def _table() -> Table:
    # Defined here, not in the store's models: the exercises own their table (migration 0003).
    global _TABLE
    if _TABLE is None:
        import sqlalchemy as sa

        _TABLE = sa.Table(
            "exercise_progress", sa.MetaData(),
            sa.Column("name", sa.String(100), primary_key=True),
            sa.Column("done", sa.Boolean(), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("hints_shown", sa.Integer(), nullable=False),
            sa.Column("last_passed", sa.Boolean(), nullable=True),
            sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        )
    return _TABLE


def _open(db_url: str) -> Database:
    from studytool.store import open_db

    return open_db(db_url)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every datetime here is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _from_row(row: Any) -> Progress:
    return Progress(row.name, bool(row.done), row.attempts, row.hints_shown,
                    row.last_passed, _utc(row.last_verified_at), _utc(row.done_at))


def load_all(db_url: str) -> dict[str, Progress]:
    """Every exercise's progress recorded in this database, by exercise name."""
    import sqlalchemy as sa

    db = _open(db_url)
    try:
        with db.session(write=False) as session:
            rows = session.execute(sa.select(_table())).all()
    finally:
        db.close()
    return {row.name: _from_row(row) for row in rows}


def get(db_url: str, name: str) -> Progress:
    return load_all(db_url).get(name, Progress(name))


def read(session: Any, name: str) -> Progress:
    import sqlalchemy as sa

    table = _table()
    row = session.execute(sa.select(table).where(table.c.name == name)).first()
    return _from_row(row) if row is not None else Progress(name)


def write(session: Any, name: str, change: Callable[[Progress], None]) -> Progress:
    """Read, change and write one exercise's row inside the caller's transaction."""
    import sqlalchemy as sa

    table = _table()
    row = session.execute(sa.select(table).where(table.c.name == name)).first()
    progress = _from_row(row) if row is not None else Progress(name)
    change(progress)
    values = {k: getattr(progress, k) for k in table.c.keys() if k != "name"}
    if row is None:
        session.execute(sa.insert(table).values(name=name, **values))
    else:
        session.execute(sa.update(table).where(table.c.name == name).values(**values))
    return progress


def _update(db_url: str, name: str, change: Callable[[Progress], None]) -> Progress:
    """Read, change and write one exercise's row in one transaction."""
    db = _open(db_url)
    try:
        with db.session() as session:
            return write(session, name, change)
    finally:
        db.close()


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


def record_verify(db_url: str, name: str, passed: bool) -> Progress:
    """Record a verification (see `verify_change`) on its own."""
    return _update(db_url, name, verify_change(passed))


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

    def also(session: Any) -> None:
        recorded.append(write(session, exercise.name, verify_change(passed)))

    service.rate_many(card_ids, PASS_RATING if passed else FAIL_RATING, also=also)
    return recorded[0], len(card_ids)


def record_hint(db_url: str, name: str, total: int) -> Progress:
    """One more hint shown (never more than the exercise has)."""

    def change(progress: Progress) -> None:
        progress.hints_shown = min(progress.hints_shown + 1, total)

    return _update(db_url, name, change)
