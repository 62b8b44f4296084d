"""Who is studying: the learners of a database, and which learner a connection may act as."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from studytool.errors import StudytoolError, quote
from studytool.learner_name import DEFAULT_LEARNER, LEARNER_GROUP, TEACHER_GROUP, check_name
from studytool.store.database import reading
from studytool.store.models import LearnerRow


def learner_names(session: Session) -> list[str]:
    return list(session.scalars(select(LearnerRow.name).order_by(LearnerRow.name)))


def add_learner(session: Session, name: str) -> bool:
    """Add a learner (True), or do nothing when there is one by that name (False)."""
    check_name(name)
    if session.get(LearnerRow, name) is not None:
        return False
    session.add(LearnerRow(name=name, created_at=datetime.now(UTC)))
    return True


def class_role(engine: Engine) -> tuple[str, str] | None:
    """On a class server: (the role this connection logs in as, "learner" or "teacher"), when
    it is a member of a class group (superusers and the owner are neither: they set it up)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT current_user, g.rolname FROM pg_auth_members m "
            "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
            "WHERE u.rolname = current_user AND g.rolname IN (:learners, :teachers) "
            "ORDER BY g.rolname DESC LIMIT 1"),
            {"learners": LEARNER_GROUP, "teachers": TEACHER_GROUP}).first()
        conn.rollback()
    if row is None:
        return None
    return str(row[0]), "teacher" if row[1] == TEACHER_GROUP else "learner"


def resolve_learner(engine: Engine, requested: str | None) -> tuple[str, str | None]:
    """The learner a command acts as: `requested` (from --learner or STUDYTOOL_LEARNER) once
    checked, else the connection's own role on a class server, else the default learner.

    On a class server a learner role studies as itself only (the server would refuse the
    rows anyway); asking for anyone else is an error before any work starts. Returns the
    name and the class role ("learner", "teacher", or None off a class server).
    """
    if requested is not None:
        check_name(requested)
    role = class_role(engine)
    if role is not None:
        user = role[0]
        if requested is not None and requested != user:
            raise StudytoolError(f"connected as {quote(user)}: this role studies as learner "
                                 f"{quote(user)} only, not {quote(requested)}")
        requested = user
    name = requested or DEFAULT_LEARNER
    with Session(reading(engine)) as session:  # no write lock: only a look-up
        known = session.get(LearnerRow, name) is not None
    if not known:
        raise StudytoolError(f"no learner {quote(name)} in this database (add one with "
                             f"`studytool learners add {name}`)")
    return name, role[1] if role is not None else None
