"""A class on one PostgreSQL server: each learner a role, the server enforcing whose rows are
whose (row-level security), a teacher role that reads everyone's.

`setup_class` is the teacher's one command (`studytool class setup ROSTER`), run as the
database's owner once the schema is migrated, and again whenever the roster grows: it creates
the two group roles, one login role per person, the grants and the policies, and a learner row
per person, all in one transaction (PostgreSQL's DDL is transactional: a bad roster line
changes nothing). The policies compare each row's `learner` with `current_user`, so a learner's
connection reads and writes only its own rows even with hand-written SQL.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from studytool.errors import StudytoolError, clip, quote
from studytool.learner_name import LEARNER_GROUP, TEACHER_GROUP, check_name

# Progress: one learner's rows each (models.LearnerOwned). Content and bookkeeping are shared.
OWNED_TABLES = ("cards", "review_log", "runs", "run_epochs", "settings", "exercise_progress")
SHARED_TABLES = ("decks", "learners", "alembic_version")
ROLES = ("learner", "teacher")


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    role: str  # "learner" or "teacher"
    password: str


def read_roster(path: Path) -> list[Member]:
    """`name,role,password` lines (a header line `name,role,password` may lead)."""
    try:
        body = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StudytoolError(f"cannot read the roster {clip(path)}: {exc}") from exc
    members: list[Member] = []
    for number, row in enumerate(csv.reader(io.StringIO(body)), start=1):
        if not row or not "".join(row).strip() or (number == 1 and row[0].strip() == "name"):
            continue
        where = f"{clip(path)}:{number}"
        if len(row) != 3:
            raise StudytoolError(f"{where}: expected name,role,password, got {len(row)} fields")
        name, role, password = (field.strip() for field in row)
        try:
            check_name(name)
        except StudytoolError as exc:
            raise StudytoolError(f"{where}: {exc}") from exc
        if role not in ROLES:
            raise StudytoolError(f"{where}: role must be learner or teacher, not {quote(role)}")
        if not password or any(ch in password for ch in "\x00\r\n"):
            raise StudytoolError(f"{where}: a password is needed (one line, no NUL)")
        if any(m.name == name for m in members):
            raise StudytoolError(f"{where}: {quote(name)} is listed twice")
        members.append(Member(name, role, password))
    if not members:
        raise StudytoolError(f"the roster {clip(path)} names nobody")
    return members


def setup_class(engine: Engine, members: list[Member]) -> None:
    """Roles, grants and policies for `members`, in one transaction (see the module)."""
    if engine.dialect.name != "postgresql":
        raise StudytoolError("a class needs a PostgreSQL database (--db postgresql+psycopg://"
                             "OWNER@HOST/DB); on SQLite use `studytool learners add NAME`")
    with engine.begin() as conn:
        for group in (LEARNER_GROUP, TEACHER_GROUP):
            if not _role_exists(conn, group):
                conn.exec_driver_sql(f"CREATE ROLE {group} NOLOGIN")
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {group}")
            conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(SHARED_TABLES)} TO {group}")
            conn.exec_driver_sql(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(OWNED_TABLES)} TO {group}")
            conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public "
                                 f"TO {group}")
        # The teacher brings new decks into the class; learners build cards from them.
        conn.exec_driver_sql(f"GRANT INSERT, UPDATE ON decks TO {TEACHER_GROUP}")
        for table in OWNED_TABLES:
            conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            conn.exec_driver_sql(f"DROP POLICY IF EXISTS own_rows ON {table}")
            conn.exec_driver_sql(
                f"CREATE POLICY own_rows ON {table} TO {LEARNER_GROUP}, {TEACHER_GROUP} "
                "USING (learner = current_user) WITH CHECK (learner = current_user)")
            conn.exec_driver_sql(f"DROP POLICY IF EXISTS teacher_reads ON {table}")
            conn.exec_driver_sql(f"CREATE POLICY teacher_reads ON {table} FOR SELECT "
                                 f"TO {TEACHER_GROUP} USING (true)")
        for member in members:
            _add_member(conn, member)


def _add_member(conn: Connection, member: Member) -> None:
    group = TEACHER_GROUP if member.role == "teacher" else LEARNER_GROUP
    other = LEARNER_GROUP if group == TEACHER_GROUP else TEACHER_GROUP
    password = _literal(conn, member.password)
    name = check_name(member.name)  # a plain identifier: safe to write into the statement
    if _role_exists(conn, name):
        conn.exec_driver_sql(f"ALTER ROLE {name} LOGIN PASSWORD {password}")
        conn.exec_driver_sql(f"REVOKE {other} FROM {name}")
    else:
        conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN PASSWORD {password}")
    conn.exec_driver_sql(f"GRANT {group} TO {name}")
    conn.execute(text("INSERT INTO learners (name, created_at) VALUES (:name, now()) "
                      "ON CONFLICT (name) DO NOTHING"), {"name": name})


def _role_exists(conn: Connection, name: str) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"),
                        {"name": name}).first() is not None


def _literal(conn: Connection, value: str) -> str:
    # CREATE ROLE takes no bound parameters: the driver quotes the password as a literal.
    from psycopg import sql

    raw = conn.connection.dbapi_connection
    return sql.Literal(value).as_string(raw)  # type: ignore[arg-type]
