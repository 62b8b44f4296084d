"""The copy saved before a migration is whole or absent: kill -9 in the middle of writing it
never leaves a `.bak-...` file that opens as an empty or partial database."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studytool.store.database import make_engine
from studytool.store.migrate import migrate

# Opens the database with studytool, with SQLite's backup slowed to one page at a time, so the
# parent can kill it mid-copy. Only the copying is slowed: what is written, and where, is
# studytool's own doing.
SLOW_BACKUP = """
import sqlite3, sys, time
import studytool.store.migrate as migrate

class Slow:
    def __init__(self, conn):
        self.conn = conn

    def backup(self, target, **_options):
        def progress(status, remaining, total):
            print("copying", remaining, total, flush=True)
            time.sleep(0.02)
        self.conn.backup(target.conn if isinstance(target, Slow) else target, pages=1,
                         progress=progress)

    def __getattr__(self, name):
        return getattr(self.conn, name)

class SlowSqlite3:
    def __getattr__(self, name):
        return getattr(sqlite3, name)

    def connect(self, *args, **kwargs):
        return Slow(sqlite3.connect(*args, **kwargs))

migrate.sqlite3 = SlowSqlite3()
from studytool.store import open_db
open_db(sys.argv[1]).close()
print("done", flush=True)
"""


def old_database(path: Path, rows: int = 3000) -> None:
    """A database an older studytool left (revision 0001), big enough to copy in many pages."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, target="0001")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO decks VALUES ('ch12', 'Chapter 12', '', 'x')")
        conn.exec_driver_sql(
            "INSERT INTO settings (key, value) VALUES " + ", ".join(
                f"('k{i}', '\"{'v' * 200}\"')" for i in range(rows)))
    engine.dispose()


def whole_backup(path: Path) -> bool:
    try:
        with sqlite3.connect(path) as conn:
            return (conn.execute("SELECT version_num FROM alembic_version").fetchone()
                    == ("0001",) and conn.execute("SELECT count(*) FROM settings").fetchone()
                    == (3000,))
    except sqlite3.DatabaseError:
        return False


@pytest.mark.slow
def test_kill_9_while_backing_up_leaves_no_partial_backup(tmp_path, child_env):
    path = tmp_path / "old.sqlite3"
    old_database(path)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BACKUP, f"sqlite:///{path}"],
                            stdout=subprocess.PIPE, text=True, env=child_env)
    assert proc.stdout is not None
    copied = 0
    while copied < 20:  # well into the copy, far from its end
        line = proc.stdout.readline()
        assert line.startswith("copying"), line
        copied += 1
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    backups = [p for p in tmp_path.iterdir() if ".bak-" in p.name]
    named = [p for p in backups if ".partial" not in p.name]
    assert named == [], f"a half-written backup carries the backup's name: {named}"
    assert backups  # the unfinished copy (and SQLite's journal of it), clearly marked

    # Next time the migration runs, the backup is whole and the database is migrated.
    finished = subprocess.run([sys.executable, "-m", "studytool", "--db", f"sqlite:///{path}",
                               "stats"], env=child_env, capture_output=True, text=True,
                              timeout=120)
    assert finished.returncode == 0, finished.stderr
    named = [p for p in tmp_path.iterdir() if ".bak-" in p.name and ".partial" not in p.name]
    assert len(named) == 1 and whole_backup(named[0])


def test_a_stale_partial_copy_is_swept_by_the_next_backup(tmp_path):
    import os

    path = tmp_path / "old.sqlite3"
    old_database(path, rows=10)
    stale = tmp_path / "old.sqlite3.bak-0001-20200101T000000000000Z.partial"
    stale.write_bytes(b"half a copy")
    stale_journal = stale.with_name(stale.name + "-journal")
    stale_journal.write_bytes(b"its journal")
    hours_ago = time.time() - 2 * 3600
    for leftover in (stale, stale_journal):
        os.utime(leftover, (hours_ago, hours_ago))
    fresh = tmp_path / "old.sqlite3.bak-0001-20990101T000000000000Z.partial"
    fresh.write_bytes(b"another process's copy in progress")

    from studytool.store import open_db

    open_db(f"sqlite:///{path}").close()
    assert not stale.exists() and not stale_journal.exists()
    assert fresh.exists()
