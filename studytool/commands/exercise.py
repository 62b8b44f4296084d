"""`studytool exercise list | start NAME | verify NAME | hint NAME`: rustlings-style exercises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from studytool.commands.handle import command_db
from studytool.errors import CheckFailed

if TYPE_CHECKING:
    from studytool.exercises.catalogue import Exercise

MARKS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}

dir_option = click.option("--dir", "workspace", metavar="D", type=click.Path(file_okay=False),
                          help="Workspace folder (default: exercises/ in the data directory).")


@click.group(invoke_without_command=True)
@click.pass_context
def exercise(ctx: click.Context) -> None:
    """Write your own GRU, LSTM, Dropout... and have the tool verify them."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_)


@exercise.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_(as_json: bool) -> None:
    """The exercises in order, with done / failing / pending."""
    from studytool.exercises import progress
    from studytool.exercises.catalogue import EXERCISES

    state = progress.load_all(command_db())
    rows: list[dict[str, Any]] = []
    for number, ex in enumerate(EXERCISES, start=1):
        p = state.get(ex.name, progress.Progress(ex.name))
        rows.append({"number": number, "name": ex.name, "title": ex.title,
                     "status": p.status, "questions": list(ex.questions),
                     "attempts": p.attempts, "hints_shown": p.hints_shown,
                     "hints": len(ex.hints), "file": ex.filename})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        click.echo(f"{row['number']:>2}. {row['name']:<{width}}  {row['status']:<7}  "
                   f"{row['title']}")
    done = sum(row["status"] == "done" for row in rows)
    click.echo(f"{done} of {len(rows)} done. Start one with `studytool exercise start NAME`.")


@exercise.command()
@click.argument("name")
@dir_option
def start(name: str, workspace: str | None) -> None:
    """Write NAME's scaffold into the workspace (never overwrites your file)."""
    from studytool.exercises.catalogue import get_exercise
    from studytool.exercises.workspace import start as write_scaffold

    ex = get_exercise(name)
    started = write_scaffold(ex, workspace)
    if started.created:
        click.echo(f"wrote {started.path}")
    else:
        click.echo(f"{started.path} already exists; left as it is (your work is not overwritten)")
    where = f" --dir {workspace}" if workspace else ""
    click.echo(f"{ex.title}. Edit the file, then run `studytool exercise verify {ex.name}{where}`.")


@exercise.command()
@click.argument("name")
@dir_option
@click.option("--timeout", type=float, default=None,
              help="Seconds each check may take, 0.5 to 3600 (default 60; training checks get "
                   "more).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--watch", is_flag=True, help="Verify again every time the file is saved (Ctrl-C "
              "stops).")
def verify(name: str, workspace: str | None, timeout: float | None, as_json: bool,
           watch: bool) -> None:
    """Run NAME's checks on your file; exit 0 when all pass, 1 otherwise."""
    from studytool.exercises import progress
    from studytool.exercises.catalogue import get_exercise
    from studytool.exercises.verify import validate_check_timeout
    from studytool.exercises.workspace import existing_file

    ex = get_exercise(name)
    path = existing_file(ex, workspace)
    if timeout is not None:
        timeout = validate_check_timeout(timeout)
    # An unusable --db is bad input before the checks run, not a result lost after them.
    progress.load_all(command_db())
    if not watch:
        _verify_once(ex, path, timeout, as_json)
        return
    from studytool.exercises.watch import stamp, wait_for_change

    try:
        while True:
            seen = stamp(path)
            try:
                _verify_once(ex, path, timeout, as_json)
            except CheckFailed as exc:
                click.echo(f"{exc}")
            click.echo(f"watching {path.name}: save it to verify again, Ctrl-C to stop")
            wait_for_change(path, seen)
    except KeyboardInterrupt:
        click.echo("stopped watching")


def _verify_once(ex: Exercise, path: Path, timeout: float | None, as_json: bool) -> None:
    from studytool.exercises import progress
    from studytool.exercises.verify import CHECK_TIMEOUT, verify_file

    if not as_json:
        click.echo(f"{ex.name}: {ex.title}\n  {path}")

    printed: set[str] = set()

    def show(event: dict[str, Any]) -> None:
        if event.get("event") == "check":
            printed.add(str(event.get("label")))
            mark = MARKS.get(str(event.get("status")), "?")
            click.echo(f"  {mark}  {event.get('label')}: {event.get('message')}")
            _show_output(str(event.get("output", "")), event.get("output_bytes"))

    result = verify_file(ex, path, timeout or CHECK_TIMEOUT, None if as_json else show)
    progress.record_verify(command_db(), ex.name, result.passed)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _summary(result, printed, show)
    if not result.passed:
        raise CheckFailed(f"{ex.name}: {result.counts[1] - result.counts[0]} of "
                          f"{result.counts[1]} checks did not pass")


def _show_output(output: str, total: Any) -> None:
    """What the learner's code printed during a check, indented under it."""
    from studytool.exercises.verify import output_lines

    for line in output_lines(output, total):
        click.echo(f"       | {line}")


def _summary(result: Any, printed: set[str], show: Any) -> None:
    # Checks the child never reported (it died or hung) are printed here.
    for check in result.checks:
        if check.label not in printed:
            show({"event": "check", "label": check.label, "status": check.status,
                  "message": check.message, "output": check.output,
                  "output_bytes": check.output_bytes})
    passed, total = result.counts
    if result.passed:
        click.echo(f"all {total} checks passed: {result.exercise} is done")
    else:
        click.echo(f"{passed} of {total} checks passed. Stuck? "
                   f"`studytool exercise hint {result.exercise}`")


@exercise.command()
@click.argument("name")
def hint(name: str) -> None:
    """Show NAME's next hint (one more each time)."""
    from studytool.exercises import progress
    from studytool.exercises.catalogue import get_exercise

    ex = get_exercise(name)
    total = len(ex.hints)
    shown = progress.get(command_db(), ex.name).hints_shown
    if shown < total:
        shown = progress.record_hint(command_db(), ex.name, total).hints_shown
        note = "" if shown < total else " (the last one)"
    else:
        note = " (no more hints: that was the last one)"
    click.echo(f"hint {shown} of {total}{note}: {ex.hints[shown - 1]}")
