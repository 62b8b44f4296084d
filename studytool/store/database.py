"""Engine and sessions: a `Database` (store.opening.open_db makes one) whose sessions are
transactions.

SQLite gets WAL (readers never block the writer), foreign keys, a busy timeout and
`synchronous=NORMAL`: in WAL mode a committed transaction survives the process being killed
(it is in the WAL file, written before COMMIT returns) and the file is never corrupted; only a
power loss or OS crash may roll back the last commits. FULL adds one fsync per commit (about
8 ms on this project's disks, more than the 5 ms budget for recording a rating); set
STUDYTOOL_SQLITE_SYNCHRONOUS=FULL to trade that time for power-loss durability.
Write transactions start with `BEGIN IMMEDIATE`: a deferred transaction that reads and then
writes fails at once with "database is locked" when another process wrote in between, whereas
BEGIN IMMEDIATE waits (busy timeout) for the write lock before reading anything. Reads (and
the start-up checks: the stored revision, whether the decks changed) use a plain BEGIN, which
in WAL mode never waits for a writer: `stats` answers at once while another process writes.

Before the engine first connects, a SQLite file is checked read-only (`ownership`): another
program's database is refused before a single byte of it changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.orm import Session

from studytool.errors import StudytoolError, clip, quote
from studytool.store.models import DEFAULT_LEARNER
from studytool.store.scoping import scoped_info

BUSY_TIMEOUT_MS = 30_000
ENV_SYNCHRONOUS = "STUDYTOOL_SQLITE_SYNCHRONOUS"
_BEGIN_OPTION = "studytool_sqlite_begin"


class Database:
    """A migrated database seen by one learner: `session()` is one transaction, committed on a
    clean exit, that reads and writes only `learner`'s progress (store.scoping).

    `learner=None` is the whole class (the teacher's view): it reads everyone's rows.
    """

    def __init__(self, engine: Engine, learner: str | None = DEFAULT_LEARNER,
                 role: str | None = None) -> None:
        self.engine = engine
        self.url = engine.url
        self.learner = learner
        # On a class server: "learner" or "teacher" (store.classroom); a learner's role may
        # not change the shared decks, so their cards are built from the stored content.
        self.role = role
        self.is_sqlite = engine.dialect.name == "sqlite"
        # Read-only work on SQLite takes no write lock (plain BEGIN); elsewhere the same engine.
        self._read_engine = reading(engine)

    def as_learner(self, learner: str | None) -> Database:
        """The same database (one engine, one pool) seen by another learner, or the class."""
        return Database(self.engine, learner, self.role)

    @property
    def writes_decks(self) -> bool:
        return self.role != "learner"

    @contextmanager
    def session(self, write: bool = True, foreign_keys: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        `write=False` for a transaction that only reads: on SQLite it takes no write lock.
        `foreign_keys=False`: on SQLite, no foreign-key check per written row, for a bulk
        load whose caller checks its rows' links itself, in the same transaction.
        """
        bind = self.engine if write else self._read_engine
        info = scoped_info(self.learner)
        if foreign_keys or not self.is_sqlite:
            with Session(bind, expire_on_commit=False, info=info) as session, session.begin():
                yield session
            return
        with bind.connect() as conn, foreign_keys_off(conn), \
                Session(conn, expire_on_commit=False, info=info) as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return (f"Database({self.url.render_as_string(hide_password=True)!r}, "
                f"learner={self.learner!r})")


@contextmanager
def foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite: no foreign-key checks or actions on `conn` while the block runs (its
    transaction begins inside the block). The pragma only works outside a transaction, so it
    goes to the driver's connection before the BEGIN; the connection gets them back before
    it returns to the pool, or is dropped from it."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        try:
            raw.execute("PRAGMA foreign_keys=ON")
            # Inside a transaction left open the pragma does nothing, without an error.
            restored = raw.execute("PRAGMA foreign_keys").fetchone() == (1,)
        except Exception:
            conn.invalidate()  # never back to the pool without its foreign keys
            raise
        if not restored:
            conn.invalidate()


def reading(engine: Engine) -> Engine:
    """The same engine for read-only work: on SQLite its transactions take no write lock."""
    return engine.execution_options(**{_BEGIN_OPTION: "BEGIN"})


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder created and the PRAGMAs above."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends
        raise StudytoolError(f"invalid database URL {quote(url)}: {clip(exc)}") from exc
    shown = quote(parsed.render_as_string(hide_password=True))
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(parsed, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            raise StudytoolError(f"no driver for {clip(parsed.drivername)}: {exc.name} "
                                 "is not installed") from exc
        except NoSuchModuleError as exc:
            raise StudytoolError(f"unknown kind of database {quote(parsed.drivername)} in the "
                                 "URL (use sqlite:///PATH or postgresql+psycopg://...)") from exc
        except (ValueError, TypeError) as exc:  # a query argument of the wrong kind
            raise StudytoolError(f"invalid database URL {shown}: {clip(exc)}") from exc
    path = sqlite_path(parsed.database)
    if path is not None:
        _check_sqlite_path(path)
    try:
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    except (ValueError, TypeError) as exc:  # e.g. ?timeout=abc
        raise StudytoolError(f"invalid database URL {shown}: {clip(exc)}") from exc
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def sqlite_path(database: str | None) -> Path | None:
    """The file a SQLite URL's database part names (None: in memory)."""
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a SQLite URI (uri=true): file:PATH?mode=ro...
        from urllib.parse import parse_qs, unquote, urlsplit

        parts = urlsplit(database)
        if parse_qs(parts.query).get("mode") == ["memory"] or not parts.path:
            return None
        return Path(unquote(parts.path)).expanduser()
    return Path(database).expanduser()


def _check_sqlite_path(path: Path) -> None:
    # A typo in --db must not silently create folders and an empty database somewhere.
    try:
        if path.is_dir():
            raise StudytoolError(f"{clip(path)} is a folder, not a database file")
        if not path.parent.is_dir():
            raise StudytoolError(f"folder {clip(path.parent)} does not exist (create it first)")
    except OSError as exc:  # a name too long for the file system, a loop of links...
        raise StudytoolError(f"cannot use {clip(path)} as a database file: "
                             f"{exc.strerror or exc}") from exc


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's implicit BEGIN is DEFERRED
    # and comes only before the first write). Python 3.11's sqlite3 has no `.autocommit`.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA synchronous={_synchronous()}")
    # 32 MB of page cache (the default is 2 MB): a write to many cards (a reschedule of
    # 100,000) keeps the due-date indexes' pages in memory instead of re-reading them.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


def _synchronous() -> str:
    value = os.environ.get(ENV_SYNCHRONOUS, "NORMAL").strip().upper()
    if value not in ("NORMAL", "FULL", "EXTRA"):
        raise StudytoolError(f"{ENV_SYNCHRONOUS} must be NORMAL, FULL or EXTRA, not {value!r}")
    return value


def _sqlite_on_begin(connection: Any) -> None:
    statement = connection.get_execution_options().get(_BEGIN_OPTION, "BEGIN IMMEDIATE")
    connection.exec_driver_sql(statement)
