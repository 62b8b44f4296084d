"""`studytool learners` (who studies in this database) and `studytool class` (the teacher's
view and the one-command set-up of a class on a PostgreSQL server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from studytool.commands.handle import command_db
from studytool.errors import StudytoolError, quote


@click.group("learners", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON list of names.")
@click.pass_context
def learners(ctx: click.Context, as_json: bool) -> None:
    """The learners of this database; `*` marks who this command studies as."""
    if ctx.invoked_subcommand is not None:
        return
    from studytool.store.learners import learner_names

    db = command_db()
    with db.session(write=False) as session:
        names = learner_names(session)
    if as_json:
        click.echo(json.dumps([{"name": n, "current": n == db.learner} for n in names]))
        return
    for name in names:
        click.echo(f"{'*' if name == db.learner else ' '} {name}")


@learners.command("add")
@click.argument("name")
def add(name: str) -> None:
    """Add a learner (lower-case letters, digits and _); then study with --learner NAME."""
    from studytool.learner_name import check_name
    from studytool.store.learners import add_learner

    check_name(name)  # before the database is opened
    db = command_db()
    if db.role is not None:
        raise StudytoolError("on a class server the teacher adds learners: "
                             "`studytool class setup ROSTER`")
    with db.session() as session:
        added = add_learner(session, name)
    click.echo(f"added learner {name}" if added else f"learner {quote(name)} is already here")


@click.group("class", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def class_(ctx: click.Context, as_json: bool) -> None:
    """Per learner: reviews in 7 days, retention, due, exercises passed; the class's hardest
    questions; each learner's runs of each answer."""
    if ctx.invoked_subcommand is not None:
        return
    from datetime import UTC, datetime

    from studytool.srs.class_view import class_view

    db = command_db()
    if db.role == "learner":
        raise StudytoolError("the class view is the teacher's: this role reads only its own "
                             "progress (see `studytool stats`)")
    view = class_view(db, datetime.now(UTC))
    if as_json:
        click.echo(json.dumps(view.to_json(), indent=2))
        return
    _print_view(view)


def _print_view(view: Any) -> None:
    click.echo(f"{'learner':<20} {'reviews 7d':>10} {'retention':>9} {'due':>5} "
               f"{'exercises':>9}")
    for line in view.learners:
        retention = f"{line.retention_30d:.0%}" if line.retention_30d is not None else "-"
        click.echo(f"{line.learner:<20} {line.reviews_7d:>10} {retention:>9} "
                   f"{line.due_now:>5} {line.exercises_passed:>9}")
    _section("hardest questions (lapses / reviews in review, whole class)", "none lapsed yet",
             [f"{q.question_id:<24} {q.lapse_rate:>5.0%}  {q.lapses}/{q.reviews} "
              f"({q.learners} learners)" for q in view.hardest])
    _section("runs per answer", "no runs yet",
             [f"{a.answer:<20} {a.learner:<16} {a.runs:>3} runs, {a.ok} ok, "
              f"last {_accuracy(a.last_accuracy)}, best {_accuracy(a.best_accuracy)}"
              for a in view.answers])


def _section(title: str, empty: str, rows: list[str]) -> None:
    click.echo(f"\n{title}")
    for row in rows or [empty]:
        click.echo(f"  {row}")


def _accuracy(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "-"


@class_.command("setup")
@click.argument("roster", type=click.Path(path_type=Path, dir_okay=False))
def setup(roster: Path) -> None:
    """Set up a class on this PostgreSQL database (run as its owner): the schema, a login
    role per ROSTER line `name,role,password` (role: learner or teacher), and row-level
    security so each learner's connection reads and writes only their own progress."""
    from studytool.commands.study import open_service
    from studytool.store.classroom import read_roster, setup_class

    members = read_roster(roster)  # every line checked before the server is touched
    db = command_db()
    if db.engine.dialect.name != "postgresql":
        raise StudytoolError("a class needs a PostgreSQL database: --db "
                             "postgresql+psycopg://OWNER@HOST/DB (on SQLite: "
                             "`studytool learners add NAME`)")
    setup_class(db.engine, members)
    open_service(click.get_current_context().obj)  # the shipped decks' content, for all
    teachers = [m.name for m in members if m.role == "teacher"]
    click.echo(f"class ready: {len(members) - len(teachers)} learners, "
               f"{len(teachers)} teachers; each connects with "
               f"--db postgresql+psycopg://NAME:PASSWORD@{db.url.host or 'HOST'}/"
               f"{db.url.database}")


@class_.command("export")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "md"]), default="json",
              show_default=True)
def export_class(folder: Path, fmt: str) -> None:
    """Export every learner's progress, one file each (FOLDER/NAME.json): each imports into
    a learner with `studytool --learner NAME import FILE`."""
    from studytool.exchange.api import export_to
    from studytool.store.learners import learner_names

    if folder.exists() and not folder.is_dir():
        raise StudytoolError(f"{folder} is not a folder")
    db = command_db()
    if db.role == "learner":
        raise StudytoolError("exporting the class is the teacher's: `studytool export` "
                             "exports your own progress")
    with db.session(write=False) as session:
        names = learner_names(session)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        click.echo(export_to(db.as_learner(name), fmt, folder / f"{name}.{fmt}"))
