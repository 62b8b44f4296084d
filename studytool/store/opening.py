"""`open_db(url)`: the one way in. Above the engine (store.database), the migrations and the
learners, so none of them imports another in a circle."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from studytool.errors import StudytoolError, clip
from studytool.store.database import Database, make_engine, sqlite_path
from studytool.store.errors import describe
from studytool.store.learners import resolve_learner
from studytool.store.migrate import migrate
from studytool.store.ownership import check_sqlite_file


def open_db(url: str, learner: str | None = None) -> Database:
    """Open (create or migrate) the database at `url` for `learner`; refuses one from a newer
    studytool, and a learner it does not hold (see store.learners.resolve_learner)."""
    engine = make_engine(url)
    path = sqlite_path(engine.url.database) if engine.dialect.name == "sqlite" else None
    try:
        if path is not None:
            check_sqlite_file(path)  # before the first connection switches it to WAL
        migrate(engine)
        name, role = resolve_learner(engine, learner)
    except DBAPIError as exc:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        raise StudytoolError(f"{describe(exc)}: {clip(where)}") from exc
    except BaseException:
        engine.dispose()
        raise
    return Database(engine, name, role)
