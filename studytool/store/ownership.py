"""Whether a database is studytool's to open: checked read-only, before anything is written.

`--db` may point at another program's database by mistake (an Anki collection, any SQLite
file). Connecting the normal way would already change it: the engine switches SQLite files to
WAL mode on connect, and a migration adds tables. So a SQLite file is inspected first with the
sqlite3 module alone, opened `mode=ro`, and PostgreSQL's schema is listed before the first
migration. A database is ours when it is empty or holds studytool's own tables; anything else
is refused with its bytes untouched.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path

from studytool.errors import StudytoolError, clip

# Created by migration 0001, so every studytool database of any revision has them.
OWN_TABLES = frozenset({"alembic_version", "decks", "cards"})
_SQLITE_HEADER = b"SQLite format 3\x00"


def foreign_tables(tables: set[str] | list[str]) -> list[str]:
    """A foreign database's tables, sorted ([] when it is empty or studytool's)."""
    user = {name for name in tables if not name.startswith("sqlite_")}
    if not user or OWN_TABLES <= user:
        return []
    return sorted(user)


def refusal(where: str, tables: list[str]) -> StudytoolError:
    shown = ", ".join(tables[:4]) + (f" and {len(tables) - 4} more" if len(tables) > 4 else "")
    return StudytoolError(f"{clip(where)} is not a studytool database (it holds other tables: "
                          f"{clip(shown)}); it was left untouched: point --db at a new file "
                          "or a studytool database")


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a SQLite database, or one that belongs to another program.

    A missing or empty file is a new database. Only positive evidence refuses: a file that
    cannot be read here (permissions, a busy lock) is left to the normal open, which reports
    its own error.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError:
        return
    if not header:
        return
    if header != _SQLITE_HEADER:
        raise StudytoolError(f"{clip(str(path))} is not a SQLite database (left untouched)")
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=5)
        try:
            names = [row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise StudytoolError(f"{clip(str(path))} is not a usable SQLite database "
                                 f"({exc}); left untouched") from exc
        return  # cannot tell from here: the normal open says what is wrong
    tables = foreign_tables(names)
    if tables:
        raise refusal(str(path), tables)
