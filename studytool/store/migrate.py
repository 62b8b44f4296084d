"""Alembic migrations applied on start, with no alembic.ini: the Config is built here.

Before migrating an existing SQLite database a consistent copy is saved beside it, written
under a temporary name, synced and renamed: a crash leaves either a whole backup or none. A
database stamped with a revision this version does not know (a newer studytool wrote it), and
one that holds another program's tables, are refused before anything is written. The checks
read without taking SQLite's write lock, so opening an up-to-date database never waits for
another process's write.
"""

from __future__ import annotations

import glob
import os
import re
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from studytool.config import migrations_dir
from studytool.errors import StudytoolError
from studytool.store.database import foreign_keys_off, reading

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
    with reading(engine).connect() as conn:
        _refuse_foreign(conn)
        current = current_revision(conn)
        conn.rollback()
    _refuse_unknown(current, known)
    if current == head or (target != "head" and current == target):
        return None
    backup = _backup_sqlite(engine, current) if current is not None else None
    # Foreign keys off: batch mode copies a table and drops the old one, and with them on,
    # that DROP is a DELETE whose ON DELETE CASCADE would empty the review log.
    with engine.connect() as conn, foreign_keys_off(conn), conn.begin():
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


def _refuse_foreign(conn: Connection) -> None:
    """Another program's tables here: refuse before the migration creates ours beside them."""
    from sqlalchemy import inspect

    from studytool.store.ownership import foreign_tables, refusal

    tables = foreign_tables(inspect(conn).get_table_names())
    if tables:
        raise refusal(conn.engine.url.render_as_string(hide_password=True), tables)


def _stored_revision(engine: Engine) -> str | None:
    try:
        with reading(engine).connect() as conn:
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
    partial = target.with_name(f"{target.name}.partial")
    _sweep_partials(source)
    try:
        # The backup API copies a consistent snapshot, WAL contents included.
        src = sqlite3.connect(str(source), timeout=30)
        dst = sqlite3.connect(str(partial))
        try:
            src.backup(dst)
            # One self-contained file (the copy inherits WAL mode: -wal/-shm files).
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        _fsync(partial)
        # Only a complete, synced copy ever carries the backup's name.
        os.replace(partial, target)
        _fsync(target.parent)
    except BaseException:
        for leftover in (partial, partial.with_name(f"{partial.name}-journal")):
            leftover.unlink(missing_ok=True)
        raise
    return target


# A `.partial` copy this old was left by a process killed while backing up (a live one
# touches its copy continuously); a younger one may be another process's copy in progress.
_STALE_PARTIAL_S = 3600.0


def _sweep_partials(source: Path) -> None:
    # The copy, and the journal SQLite may have left beside it (`.partial-journal`).
    for leftover in source.parent.glob(f"{glob.escape(source.name)}.bak-*.partial*"):
        try:
            if time.time() - leftover.stat().st_mtime > _STALE_PARTIAL_S:
                leftover.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: it only takes room


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        if not path.is_dir():  # some file systems cannot sync a folder; a file must sync
            raise
    finally:
        os.close(fd)
