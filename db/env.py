"""Alembic environment: studytool passes its own connection (studytool.store.migrate).

Developers can still run `alembic -x url=sqlite:///dev.sqlite3 revision --autogenerate` with a
small alembic.ini of their own; the application never needs one.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from studytool.store.models import Base


def _ours(name, type_, _parent) -> bool:  # type: ignore[no-untyped-def]
    # Some packages own a table without a model here (exercise_progress, migration 0003):
    # autogenerate must not propose dropping it.
    return type_ != "table" or name in Base.metadata.tables or name == "alembic_version"


def _configure_and_run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=_ours,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure_and_run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url")
    if not url:
        raise SystemExit("pass -x url=DATABASE_URL")
    with create_engine(url).begin() as conn:
        _configure_and_run(conn)
