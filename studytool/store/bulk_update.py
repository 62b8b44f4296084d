"""Changing a few columns of many rows by id, in the caller's transaction.

On SQLite the statement runs on the session's own sqlite3 connection with values already in
the store's form (times as its naive UTC text): SQLAlchemy's per-row parameter processing
cost more than SQLite's update at 100,000 rows. When the rows are a large share of the table,
the indexes holding a changed column are dropped first and built again after the update, in
the same transaction (a failure rolls them back as they were): keeping two covering indexes
in step row by row cost about three times their rebuild. PostgreSQL keeps its indexes
(dropping one there would lock out every reader) and gets a Core executemany.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

# Below this many rows (or a quarter of the table) updating the indexes in place costs less
# than building them again over the whole table.
REBUILD_ROWS = 5000


def update_by_id(session: Session, table: Table, columns: Sequence[str],
                 rows: Sequence[tuple[Any, ...]]) -> None:
    """`rows`: (id, *values of `columns`) tuples; times are aware datetimes. The ids must
    have been read through `session` (so they are its learner's rows)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "sqlite":
        statement = (update(table).where(table.c.id == bindparam("row_id"))
                     .values({name: bindparam(name) for name in columns}))
        session.connection().execute(
            statement, [{"row_id": row[0], **dict(zip(columns, row[1:], strict=True))}
                        for row in rows])
        return
    dropped = _dropped_indexes(session, table, columns, len(rows))
    driver: Any = session.connection().connection.driver_connection  # the sqlite3.Connection
    assignments = ", ".join(f"{name} = ?" for name in columns)
    driver.executemany(f"UPDATE {table.name} SET {assignments} WHERE id = ?",
                       [(*(_stored(v) for v in row[1:]), row[0]) for row in rows])
    for index in dropped:
        index.create(session.connection())


def _dropped_indexes(session: Session, table: Table, columns: Sequence[str],
                     changed: int) -> list[Any]:
    # Every learner's rows: the indexes hold them all.
    total = session.connection().execute(select(func.count()).select_from(table)).scalar_one()
    if changed < max(REBUILD_ROWS, total // 4):
        return []
    indexes = [index for index in table.indexes
               if any(column.name in columns for column in index.columns)]
    for index in indexes:
        index.drop(session.connection())
    return indexes


def _stored(value: Any) -> Any:
    """A value as the store keeps it on SQLite (UTCDateTime's naive UTC text; SQLAlchemy's
    SQLite DateTime writes the same form)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps UTC-aware times only")
        # The usual case (times read from the store, plus intervals) is already UTC.
        utc = value if value.tzinfo is UTC else value.astimezone(UTC)
        return utc.isoformat(" ", "microseconds")[:26]
    return value
