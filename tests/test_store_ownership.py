"""`--db` at another program's database: refused before a single byte of it changes.

Real files throughout: a random application's SQLite file, a real Anki collection written by
Anki's own backend, a file that is not SQLite at all, and a PostgreSQL schema with someone
else's tables. Each is compared byte for byte (or row for row) after the refusal.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from studytool.errors import StudytoolError
from studytool.store import open_db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def studytool(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studytool", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def a_notes_app_file(path: Path) -> None:
    """What some other program keeps: its own table, in the default (rollback) journal."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany("INSERT INTO notes (body) VALUES (?)", [(f"note {i}",) for i in range(50)])
    conn.commit()
    conn.close()


def test_another_programs_sqlite_file_is_refused_and_left_byte_identical(tmp_path, child_env):
    path = tmp_path / "notes.db"
    a_notes_app_file(path)
    before, files = digest(path), siblings(path)

    result = studytool(child_env, "--db", f"sqlite:///{path}", "decks")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {path} is not a studytool database (it holds other tables: notes); it was "
        "left untouched: point --db at a new file or a studytool database")
    assert digest(path) == before
    assert siblings(path) == files  # no -wal, -shm or backup beside it either
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


@pytest.mark.slow
def test_every_command_that_opens_the_database_refuses_it(tmp_path, child_env):
    path = tmp_path / "notes.db"
    a_notes_app_file(path)
    before = digest(path)
    for args in (["stats"], ["exercise", "list"], ["run", "baseline"], ["check", "baseline"]):
        result = studytool(child_env, "--db", f"sqlite:///{path}", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "is not a studytool database" in result.stderr
        assert "Traceback" not in result.stderr
    assert digest(path) == before


def test_a_real_anki_collection_is_not_switched_to_wal(tmp_path, child_env):
    anki = pytest.importorskip("anki.collection")
    path = tmp_path / "collection.anki2"
    collection = anki.Collection(str(path))
    collection.close(downgrade=True)  # as Anki leaves it for other tools: rollback journal
    before, files = digest(path), siblings(path)

    result = studytool(child_env, "--db", f"sqlite:///{path}", "decks")

    assert result.returncode == 2
    assert ("is not a studytool database (it holds other tables: cards, col, graves, notes "
            "and 1 more)") in result.stderr
    assert digest(path) == before
    assert siblings(path) == files
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(b"not a database\n" * 1000)
    with pytest.raises(StudytoolError, match="is not a SQLite database"):
        open_db(f"sqlite:///{path}")
    assert path.read_bytes() == b"not a database\n" * 1000


def test_empty_and_own_databases_still_open(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    open_db(f"sqlite:///{empty}").close()  # an empty file is a new database
    open_db(f"sqlite:///{empty}").close()  # and then it is ours
    blank = tmp_path / "blank.sqlite3"
    sqlite3.connect(blank).close()
    open_db(f"sqlite:///{blank}").close()
    with sqlite3.connect(empty) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


@pytest.mark.postgres
def test_a_postgresql_schema_with_other_tables_is_refused_untouched():
    from conftest import PG_URL, reset_postgres

    if not PG_URL:
        pytest.skip("no PostgreSQL: STUDYTOOL_TEST_PG is not set")
    reset_postgres(PG_URL)
    engine = create_engine(PG_URL)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE invoices (id serial PRIMARY KEY, total numeric)"))
            conn.execute(text("INSERT INTO invoices (total) VALUES (10), (20)"))
        with pytest.raises(StudytoolError, match=r"is not a studytool database \(it holds "
                                                 r"other tables: invoices\)"):
            open_db(PG_URL)
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == {"invoices"}
            assert conn.execute(text("SELECT total FROM invoices ORDER BY id")).scalars() \
                .all() == [10, 20]
    finally:
        engine.dispose()
        reset_postgres(PG_URL)
