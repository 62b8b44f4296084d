"""The command's one database handle: opened on first use, closed when the command ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from studytool.store import Database


def command_db() -> Database:
    """Every part of one command (a watch that verifies many times, an export, a review) works
    on this one handle; nothing opens the database before the command needs it."""
    ctx = click.get_current_context()
    db = ctx.obj.get("db")
    if db is None:
        from studytool.store import open_db

        db = ctx.obj["db"] = open_db(ctx.obj["db_url"], ctx.obj.get("learner"))
        ctx.call_on_close(db.close)
    return db  # type: ignore[no-any-return]
