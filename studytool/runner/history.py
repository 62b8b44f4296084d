"""Where finished runs go: the store (`studytool.store.runs`), behind one small interface.

The database is opened on the first save, after the run, so a run's start never waits for
SQLAlchemy or a migration check.
"""

from __future__ import annotations

from typing import Any

from studytool.errors import StudytoolError
from studytool.runner.record import RunRecord


class History:
    """Saves runs to the database at `db_url`, opened once on first use."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._db: Any = None

    def _open(self) -> Any:
        if self._db is None:
            from studytool.store import open_db

            self._db = open_db(self.db_url)
        return self._db

    def save(self, record: RunRecord) -> int:
        """Stores `record` and returns its id; StudytoolError (exit 1) if it cannot."""
        from studytool.store import runs

        try:
            return runs.save_run(self._open(), record)
        except StudytoolError:
            raise
        except Exception as exc:  # noqa: BLE001 - any database failure is one line for the user
            raise StudytoolError(f"the run finished but could not be stored: {exc}",
                                 exit_code=1) from exc

    def recent(self, answer: str | None = None, limit: int = 20) -> list[RunRecord]:
        from studytool.store import runs

        return runs.recent_runs(self._open(), answer, limit)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def persist(db_url: str, record: RunRecord) -> int:
    """Stores one run (opens and closes the database)."""
    history = History(db_url)
    try:
        return history.save(record)
    finally:
        history.close()
