"""What may name a learner (light: the command line checks --learner before opening anything).

Lower-case letters, digits and `_`, starting with a letter, at most 63 characters: on a class
server (store.classroom) a learner is also a PostgreSQL role, so the name must be one that
needs no quoting; the same rule holds on SQLite so a database can move to a server.
"""

from __future__ import annotations

import re

from studytool.errors import StudytoolError, quote

LEARNER_NAME_LENGTH = 63  # the longest role name PostgreSQL allows
DEFAULT_LEARNER = "default"
LEARNER_GROUP = "studytool_learner"
TEACHER_GROUP = "studytool_teacher"
_NAME = re.compile(rf"[a-z][a-z0-9_]{{0,{LEARNER_NAME_LENGTH - 1}}}")
# Roles PostgreSQL or the class set-up keeps for itself: never a learner.
_RESERVED = frozenset({"public", "postgres", "none", "current_user", "session_user",
                       "current_role", "user", LEARNER_GROUP, TEACHER_GROUP})


def check_name(name: str) -> str:
    """`name` if it can name a learner; else a StudytoolError saying what a name may hold."""
    if not _NAME.fullmatch(name) or name in _RESERVED or name.startswith("pg_"):
        raise StudytoolError(
            f"invalid learner name {quote(name)}: use lower-case letters, digits and _, "
            f"starting with a letter, at most {LEARNER_NAME_LENGTH} characters")
    return name
