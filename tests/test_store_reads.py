"""Read-only commands never take SQLite's write lock: they answer while another process writes.

Opening the database checks its revision and whether the deck files changed since the last
sync; when nothing changed, neither check may begin a write transaction (BEGIN IMMEDIATE waits
up to the 30 s busy timeout for a writer, and a command made two such waits before failing).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

HOLD_WRITE_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")  # what a writer in the middle of a transaction holds
print("locked", flush=True)
time.sleep(300)
"""


def studytool(env: dict[str, str], url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studytool", "--db", url, *args], env=env,
                          capture_output=True, text=True, timeout=25)


@pytest.fixture
def existing_db(tmp_path: Path, child_env) -> Path:
    path = tmp_path / "study.sqlite3"
    first = studytool(child_env, f"sqlite:///{path}", "decks")  # creates and syncs the decks
    assert first.returncode == 0, first.stderr
    return path


@pytest.mark.slow
def test_reads_answer_at_once_while_another_process_holds_the_write_lock(existing_db,
                                                                        child_env):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, str(existing_db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        for args in (["stats"], ["decks"], ["exercise", "list"], ["stats", "--json"]):
            started = time.monotonic()
            result = studytool(child_env, f"sqlite:///{existing_db}", *args)
            elapsed = time.monotonic() - started
            assert result.returncode == 0, (args, result.stderr)
            # A plain reader needs no lock in WAL mode; the busy timeout is 30 s, so anything
            # that waited for the writer would take at least that long.
            assert elapsed < 20, f"{args} took {elapsed:.1f} s behind the writer"
        assert holder.poll() is None  # the writer still holds its transaction
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_an_unchanged_deck_sync_writes_nothing(existing_db, child_env):
    # A read-only connection refuses any write transaction: if opening and syncing an
    # unchanged database began one, these commands would fail.
    read_only = f"sqlite:///file:{existing_db}?mode=ro&uri=true"
    before = existing_db.read_bytes()
    for args in (["decks"], ["stats"], ["exercise", "list"]):
        result = studytool(child_env, read_only, *args)
        assert result.returncode == 0, (args, result.stderr)
    assert existing_db.read_bytes() == before
