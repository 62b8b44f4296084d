"""Where finished runs go: the store (`studytool.store.runs`), behind one small interface.

The commands `open()` the database before they spawn anything: a database that cannot be used
(a bad URL, another program's file, a newer studytool's) is bad input, refused before a run
starts rather than discovered when its result is thrown away. Once open, storing a cancelled
run takes milliseconds, so the command still exits within a second of Ctrl-C.
"""

from __future__ import annotations

import threading
from typing import Any

from studytool.errors import StudytoolError
from studytool.run_record import RunRecord


class History:
    """Saves `learner`'s runs to the database at `db_url`, opened once on first use."""

    def __init__(self, db_url: str, learner: str | None = None) -> None:
        self.db_url = db_url
        self.learner = learner
        self._db: Any = None
        self._lock = threading.Lock()

    def open(self) -> None:
        """Opens (creates, migrates) the database now; StudytoolError (exit 2) if unusable."""
        self._open()

    def _open(self) -> Any:
        with self._lock:  # savers in several threads (a self-check's slots) open it once
            if self._db is None:
                from studytool.store import open_db

                self._db = open_db(self.db_url, self.learner)
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


def persist(db_url: str, record: RunRecord, learner: str | None = None) -> int:
    """Stores one run (opens and closes the database)."""
    history = History(db_url, learner)
    try:
        return history.save(record)
    finally:
        history.close()
