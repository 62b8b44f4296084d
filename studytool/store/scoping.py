"""A learner's sessions see and change only that learner's rows.

Every ORM statement a learner's session runs (SELECT, UPDATE, DELETE, the loads behind
`session.get`) gets `learner = NAME` added for each learner-owned table it touches, and every
row it inserts is stamped with the name (models.LearnerOwned's default reads it from the
connection). So the domain code is written once, for one learner, and cannot reach another
learner's cards by forgetting a WHERE. A session without a learner (the teacher's class view)
sees every row and cannot insert progress: its inserts fail on the NOT NULL learner column.
On a class server PostgreSQL enforces the same rule again, with row-level security.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from studytool.store.models import LEARNER_KEY, Base, LearnerOwned

INFO_KEY = "learner"


def learner_of(session: Session) -> str | None:
    """The learner a session works for (None: the whole class, read-only)."""
    return session.info.get(INFO_KEY)  # type: ignore[no-any-return]


@event.listens_for(Session, "do_orm_execute")
def _only_this_learner(state: ORMExecuteState) -> None:
    learner = learner_of(state.session)
    if learner is None or state.is_column_load:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(*_criteria(learner))


def restrict(session: Session, query: Select[Any]) -> Select[Any]:
    """`query` limited to the session's learner, for a statement that does not go through
    the session's execute (the exports stream on its connection, or its driver's, to skip
    per-row ORM work): there the hook above never sees it, so each learner-owned table it
    reads gets an explicit WHERE."""
    learner = learner_of(session)
    if learner is None:
        return query
    owned = [cls for cls in _owned_classes() if cls.__table__ in _tables(query)]
    return query.where(*(cls.learner == learner for cls in owned))


def _tables(query: Select[Any]) -> set[Any]:
    # The tables of its FROM (through joins), not those of a subquery inside a WHERE.
    return {table for source in query.get_final_froms() for table in find_tables(source)}


def _criteria(learner: str) -> list[Any]:
    return [with_loader_criteria(owned, owned.learner == learner, include_aliases=True)
            for owned in _owned_classes()]


@cache
def _owned_classes() -> tuple[type[Any], ...]:
    return tuple(mapper.class_ for mapper in Base.registry.mappers
                 if issubclass(mapper.class_, LearnerOwned))


@event.listens_for(Session, "after_begin")
def _stamp_connection(session: Session, _transaction: SessionTransaction,
                      connection: Connection) -> None:
    # Pooled connections are shared by sessions of different learners: set it every time.
    connection.info[LEARNER_KEY] = learner_of(session)


def scoped_info(learner: str | None) -> dict[str, Any]:
    return {INFO_KEY: learner} if learner is not None else {}
