"""Where finished runs go: the store (`studytool.store.runs`), behind one small interface.

The database opens in a background thread while the run goes (`prepare()`): importing
SQLAlchemy and creating a fresh database take about a second here, which must neither delay a
run's start nor its end (a cancelled run is stored and the command exits within a second).
"""

from __future__ import annotations

import threading
from typing import Any

from studytool.errors import StudytoolError
from studytool.runner.record import RunRecord


class History:
    """Saves runs to the database at `db_url`, opened once on first use."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._db: Any = None
        self._opening: threading.Thread | None = None
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Starts opening the database in the background; errors surface at `save()`."""
        if self._opening is None:
            self._opening = threading.Thread(target=self._open_quietly, daemon=True)
            self._opening.start()

    def _open_quietly(self) -> None:
        try:
            self._open()
        except Exception:  # noqa: BLE001 - `save()` opens again and reports the error
            pass

    def _open(self) -> Any:
        with self._lock:  # a save waits here for the background open to finish
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
            from studytool.store.errors import describe

            raise StudytoolError(f"the run finished but could not be stored: {describe(exc)}",
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
