"""Shared fixtures: every test gets its own data directory, so none touches the user's."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("STUDYTOOL_HOME", str(home))
    monkeypatch.delenv("STUDYTOOL_DB", raising=False)
    return home


@pytest.fixture(autouse=True)
def _utc_wall_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen and in reports are local: pin the zone so every test reads the same
    anywhere (a test about other zones sets its own)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def studytool_cmd() -> list[str]:
    """The real command, as a child process runs it."""
    return [sys.executable, "-m", "studytool"]


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["STUDYTOOL_HOME"] = str(tmp_path / "home")
    env.pop("STUDYTOOL_DB", None)
    return env


# -- databases: every store-level test runs on SQLite, and on PostgreSQL where one is set up ----
PG_URL = os.environ.get("STUDYTOOL_TEST_PG")


def reset_postgres(url: str) -> None:
    """Empty the shared server's database (schema and Alembic revision included)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty database URL: a SQLite file, then PostgreSQL ($STUDYTOOL_TEST_PG)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("no PostgreSQL: STUDYTOOL_TEST_PG is not set (bash .ci/postgres.sh)")
    reset_postgres(PG_URL)
    yield PG_URL
    reset_postgres(PG_URL)  # leave nothing (no "newer" revision) for the next test


@pytest.fixture
def db(db_url: str):
    """The database at `db_url`, opened (migrated) and closed after the test."""
    from studytool.store import open_db

    database = open_db(db_url)
    yield database
    database.close()
