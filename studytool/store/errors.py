"""Database failures as one line a learner can act on (no SQL, no parameters)."""

from __future__ import annotations

# Substrings of the driver's message -> what to tell the user.
_KNOWN = (
    ("readonly database", "the database is read-only"),
    ("read-only", "the database is read-only"),
    ("unable to open database file", "cannot open the database file"),
    ("file is not a database", "the file is not a SQLite database"),
    ("database disk image is malformed", "the database file is damaged"),
    ("disk i/o error", "the disk failed while writing the database"),
    ("database or disk is full", "the disk is full"),
    ("database is locked", "the database is busy (locked by another program)"),
    ("connection refused", "cannot connect to the database server (connection refused)"),
    ("password authentication failed", "the database server refused the password"),
)


def is_db_error(exc: BaseException) -> bool:
    """True for SQLAlchemy and DB-API errors (checked by module: importing nothing)."""
    module = type(exc).__module__ or ""
    return module.startswith(("sqlalchemy", "sqlite3", "psycopg"))


def describe(exc: BaseException) -> str:
    """One line: a known cause in plain words, else the driver's first line."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__
    lowered = text.lower()
    for needle, message in _KNOWN:
        if needle in lowered:
            return message
    return f"database error: {text}"
