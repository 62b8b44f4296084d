"""Alembic migrations applied on start, with no alembic.ini: the Config is built here.

Before migrating an existing SQLite database a consistent copy is saved beside it. A database
stamped with a revision this version does not know (a newer studytool wrote it) is refused
before anything is written.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from studytool.config import migrations_dir
from studytool.errors import StudytoolError

if TYPE_CHECKING:
    from alembic.config import Config

# Any constant: PostgreSQL sessions migrating the same database wait for each other.
_PG_MIGRATION_LOCK = 72_120_012


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "db/versions holds no migration"
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, target: str = "head") -> Path | None:
    """Bring the database to `target`; returns the backup path when one was written."""
    if target == "head" and _stored_revision(engine) == _head_from_files():
        return None  # the common start: up to date, and Alembic (0.4 s to import) not needed
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    head = script.get_current_head()
    with engine.connect() as conn:
        current = current_revision(conn)
        conn.rollback()
    _refuse_unknown(current, known)
    if current == head or (target != "head" and current == target):
        return None
    backup = _backup_sqlite(engine, current) if current is not None else None
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        # Another process may have migrated while we waited for the lock: re-check inside.
        _refuse_unknown(current_revision(conn), known)
        command.upgrade(alembic_config(conn), target)
    return backup


_REVISION = re.compile(r"^revision: str = [\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision: [^=]+= (?:None|[\"']([^\"']+)[\"'])", re.M)


def _head_from_files() -> str | None:
    """The single head of db/versions, read from the files' text; None when unsure."""
    revisions, parents = set(), set()
    for path in migrations_dir().joinpath("versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None or down is None:
            return None  # a file this reader does not understand: let Alembic decide
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            conn.rollback()
    except DBAPIError:
        return None  # no table yet
    return rows[0][0] if len(rows) == 1 else None


def _refuse_unknown(current: str | None, known: set[str]) -> None:
    if current is not None and current not in known:
        raise StudytoolError(f"database was written by a newer studytool (revision {current}); "
                             "upgrade studytool")


def _backup_sqlite(engine: Engine, revision: str) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    source = Path(database).expanduser()
    if not source.is_file():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = source.with_name(f"{source.name}.bak-{revision}-{stamp}")
    # The backup API copies a consistent snapshot, WAL contents included.
    src = sqlite3.connect(str(source), timeout=30)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
        # One self-contained file (the copy inherits WAL mode, which would add -wal/-shm files).
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()
    return target
