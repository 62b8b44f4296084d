"""The store's engine and migrations on real SQLite files (and PostgreSQL when available)."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from studytool.errors import StudytoolError
from studytool.store import open_db
from studytool.store.database import make_engine
from studytool.store.migrate import head_revision, migrate
from studytool.store.models import Base, DeckRow


def revision_of(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    return value


def test_a_new_database_is_created_at_the_head_revision(db_url):
    db = open_db(db_url)
    try:
        assert revision_of(db_url) == head_revision()
        tables = set(inspect(db.engine).get_table_names())
        assert {"decks", "cards", "review_log", "runs", "run_epochs", "settings"} <= tables
    finally:
        db.close()


def test_the_migrations_build_exactly_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    db = open_db(db_url)
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn)
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
    finally:
        db.close()


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path):
    db = open_db(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")}
    db.close()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000,
                      "synchronous": 1}  # NORMAL: durable when the process dies


def test_synchronous_full_can_be_chosen(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYTOOL_SQLITE_SYNCHRONOUS", "full")
    db = open_db(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    db.close()
    monkeypatch.setenv("STUDYTOOL_SQLITE_SYNCHRONOUS", "sometimes")
    with pytest.raises(StudytoolError, match="must be NORMAL, FULL or EXTRA"):
        open_db(f"sqlite:///{tmp_path / 'y.sqlite3'}")


def test_foreign_keys_are_enforced(db_url):
    db = open_db(db_url)
    try:
        with pytest.raises(IntegrityError), db.session() as session:
            session.execute(text(
                "INSERT INTO cards (deck_id, question_id, position, text, answer, answers, tags,"
                " kind, fingerprint, state, due, suspended, archived) VALUES ('nope', 'q', 0,"
                " 't', 'a', '[]', '[]', '', '', 0, '2026-01-01 00:00:00', false, false)"))
    finally:
        db.close()


def test_a_session_without_foreign_keys_skips_them_and_gives_them_back(db_url):
    """The bulk load's session (the import checks its links itself): on SQLite the orphan
    goes in; the connection has its foreign keys again afterwards, whether the block ended
    well or not."""
    db = open_db(db_url)
    orphan = text("INSERT INTO cards (deck_id, question_id, position, text, answer, answers, "
                  "tags, kind, fingerprint, state, due, suspended, archived) VALUES (:deck, "
                  "'q', 0, 't', 'a', '[]', '[]', '', '', 0, '2026-01-01 00:00:00', false, "
                  "false)")
    try:
        if db.is_sqlite:
            with db.session(foreign_keys=False) as session:
                session.execute(orphan, {"deck": "nope"})
                assert session.execute(text("PRAGMA foreign_keys")).scalar() == 0
            with pytest.raises(RuntimeError), db.session(foreign_keys=False) as session:
                raise RuntimeError("the import refused its file")
        else:  # PostgreSQL checks every row as ever
            with pytest.raises(IntegrityError), db.session(foreign_keys=False) as session:
                session.execute(orphan, {"deck": "nope"})
        with pytest.raises(IntegrityError), db.session() as session:
            session.execute(orphan, {"deck": "nope2"})
        if db.is_sqlite:
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.close()


def test_a_session_is_one_transaction(db_url):
    db = open_db(db_url)
    try:
        with pytest.raises(RuntimeError), db.session() as session:
            session.add(DeckRow(id="d", title="D", path="", fingerprint=""))
            session.flush()
            raise RuntimeError("user action failed half way")
        with db.session() as session:
            assert session.get(DeckRow, "d") is None
    finally:
        db.close()


def test_times_are_stored_in_utc_and_come_back_aware(db_url):
    from studytool.store.models import CardRow

    db = open_db(db_url)
    plus_two = timezone(timedelta(hours=2))
    try:
        with db.session() as session:
            session.add(DeckRow(id="d", title="D", path="", fingerprint=""))
            session.flush()
            session.add(CardRow(deck_id="d", question_id="q", text="t", answer="a",
                                due=datetime(2026, 3, 1, 14, 30, tzinfo=plus_two)))
        with db.session() as session:
            card = session.get(CardRow, 1)
            assert card.due == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
            assert card.due.utcoffset() == timedelta(0)
        with pytest.raises(Exception, match="naive datetime"), db.session() as session:
            session.add(CardRow(deck_id="d", question_id="q2", text="t", answer="a",
                                due=datetime(2026, 3, 1, 12, 30)))
    finally:
        db.close()


def test_an_existing_sqlite_database_is_copied_before_it_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, target="0001")  # what an older studytool left behind
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO decks VALUES ('ch12', 'Chapter 12', '', 'x')")
    engine.dispose()

    db = open_db(f"sqlite:///{path}")
    db.close()
    backups = sorted(tmp_path.glob("old.sqlite3.bak-0001-*"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert old.execute("SELECT id FROM decks").fetchall() == [("ch12",)]
        tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "runs" not in tables
    assert revision_of(f"sqlite:///{path}") == head_revision()
    with sqlite3.connect(path) as new:
        assert new.execute("SELECT id FROM decks").fetchall() == [("ch12",)]
    # Up to date now: opening again neither migrates nor copies.
    open_db(f"sqlite:///{path}").close()
    assert len(list(tmp_path.glob("old.sqlite3.bak-*"))) == 1


def test_a_fresh_database_gets_no_backup(tmp_path):
    open_db(f"sqlite:///{tmp_path / 'new.sqlite3'}").close()
    assert list(tmp_path.glob("*.bak-*")) == []


def test_a_database_from_a_newer_studytool_is_refused_and_left_alone(db_url, tmp_path):
    open_db(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    sqlite_file = tmp_path / "store.sqlite3"
    before = hashlib.sha256(sqlite_file.read_bytes()).hexdigest() if db_url.startswith(
        "sqlite") else None

    with pytest.raises(StudytoolError) as caught:
        open_db(db_url)
    assert str(caught.value) == ("database was written by a newer studytool "
                                 "(revision 9999_future); upgrade studytool")
    assert revision_of(db_url) == "9999_future"
    if before is not None:
        assert hashlib.sha256(sqlite_file.read_bytes()).hexdigest() == before
        assert list(tmp_path.glob("*.bak-*")) == []


def test_a_bad_url_is_a_one_line_error():
    with pytest.raises(StudytoolError, match="invalid database URL"):
        open_db("not a url")


def test_the_quick_start_check_reads_the_same_head_as_alembic():
    from studytool.store.migrate import _head_from_files

    assert _head_from_files() == head_revision()
