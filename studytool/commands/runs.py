"""`studytool answers`, `studytool run NAME`, `studytool check`: the run engine's commands.

Exit codes: 0 ok; 1 a run failed, errored, timed out, or a check failed; 2 bad input (nothing
spawned, nothing stored: parameters and the database are checked first); 128 + the signal for
a run stopped by one: 130 for Ctrl-C, 143 for SIGTERM (`kill`). A stopped run is stored with
status cancelled, and `check` stores each answer the moment it finishes.
"""

from __future__ import annotations

import json
import queue
import signal
import sys
import time
from typing import Any

import click

from studytool.errors import (
    StudytoolError,
    Terminated,
    error_line,
    interrupt_exit_code,
    interrupt_name,
)
from studytool.runner.devices import DEVICES
from studytool.runner.memory import MIN_MB


def _db_url() -> str:
    return str(click.get_current_context().obj["db_url"])


def _learner() -> str | None:
    return click.get_current_context().obj.get("learner")  # type: ignore[no-any-return]


def _print_json(obj: Any) -> None:
    from studytool.runner.events import strict_json

    click.echo(json.dumps(strict_json(obj), indent=2, allow_nan=False))


def _exit_code(status: str) -> int:
    return {"ok": 0, "cancelled": 128 + signal.SIGINT}.get(status, 1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def answers(as_json: bool) -> None:
    """List the runnable answers and the questions they answer."""
    from studytool.runner import catalog

    rows: list[dict[str, Any]] = [
        {"name": a.name, "title": a.title, "questions": list(a.questions), "trains": a.trains,
         "defaults": a.defaults, "book_model": a.book_model, "summary": a.summary}
        for a in catalog.all_answers().values()]
    if as_json:
        _print_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # a pipe: an aligned plain table (--json has every field)
        from studytool.commands.runs_tables import answers_lines, width

        for line in answers_lines(rows, width()):
            click.echo(line)
        return
    table = Table(title=f"{len(rows)} runnable answers", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("questions")
    table.add_column("trains", no_wrap=True)
    table.add_column("title", overflow="fold")
    for row in rows:
        table.add_row(row["name"], " ".join(row["questions"]), "yes" if row["trains"] else "",
                      row["title"])
    console.print(table)


@click.command()
@click.argument("name")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="auto picks cuda, then mps, then cpu.")
@click.option("--epochs", type=int, help="Epochs to train (1-1000).")
@click.option("--lr", type=float, help="Learning rate (above 0).")
@click.option("--seed", type=int, help="Random seed.")
@click.option("--timeout", type=float, metavar="SECONDS", help="Kill the run after this long.")
@click.option("--quick", is_flag=True, help="Use the answer's short settings.")
@click.option("--memory-limit", "memory_limit", type=int, metavar="MB",
              help=f"Cap the memory the answer may allocate beyond torch's own (at least "
                   f"{MIN_MB}; running out is an error, not a hang).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Any other parameter of the answer, e.g. --param seeds=0,1,2 "
                   "(see `studytool answers --json`).")
@click.option("--json", "as_json", is_flag=True, help="Print only the final JSON object.")
def run(name: str, device: str, epochs: int | None, lr: float | None, seed: int | None,
        timeout: float | None, quick: bool, memory_limit: int | None, params: tuple[str, ...],
        as_json: bool) -> None:
    """Run one answer in a child process and show its results."""
    from studytool.commands.signals import deferred
    from studytool.runner.engine import RunHandle, prepare_job
    from studytool.runner.history import History
    from studytool.runner.params import parse_param

    overrides: dict[str, Any] = dict(parse_param(text) for text in params)
    for key, value in (("epochs", epochs), ("lr", lr), ("seed", seed)):
        if value is not None:
            if key in overrides:
                raise StudytoolError(f"--{key} and --param {key}=... both given")
            overrides[key] = value
    job = prepare_job(name, overrides, device, timeout, quick, memory_limit)
    history = History(_db_url(), _learner())
    try:
        history.open()  # an unusable --db is bad input: refused before anything runs
        events: queue.Queue[dict[str, Any]] = queue.Queue()
        handle = RunHandle(job, on_event=events.put)  # spawned: the child imports torch now
        record, stopped_by = _watch(handle, events, job, as_json)
        with deferred() as arrived:  # a second Ctrl-C or kill must not lose the run
            if stopped_by is not None:
                record.message = f"cancelled by {interrupt_name(stopped_by)}"
            run_id = history.save(record)
    finally:
        history.close()
    if stopped_by is None and arrived:
        stopped_by = Terminated() if signal.SIGTERM in arrived else KeyboardInterrupt()
    _report(record, run_id, as_json)
    if record.status != "ok":  # DESIGN.md: a failure is also one `error:` line on stderr
        failure = f"{record.answer} {record.status}: {_first_line(record.message)}"
        click.echo(f"error: {error_line(failure)}", err=True)
    sys.exit(interrupt_exit_code(stopped_by) if stopped_by is not None
             else _exit_code(record.status))


def _watch(handle: Any, events: queue.Queue[dict[str, Any]], job: Any,
           as_json: bool) -> tuple[Any, KeyboardInterrupt | None]:
    """Shows the run until it ends: (its record, the Ctrl-C or SIGTERM that cancelled it)."""
    from studytool.commands.signals import deferred

    view = None
    stopped_by: KeyboardInterrupt | None = None
    try:
        if not as_json:
            from rich.console import Console

            from studytool.commands.run_view import RunView

            view = RunView(Console(), job.answer, job.params)
        _stream(handle, events, view)
        record = handle.wait()
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
        stopped_by = exc
        with deferred():
            handle.cancel()
            record = handle.wait()
    finally:
        if view is not None:
            _drain(events, view)
            view.close()
    return record, stopped_by


def _first_line(message: str) -> str:
    lines = message.strip().splitlines()
    return lines[0] if lines else "no reason given"


def _stream(handle: Any, events: queue.Queue[dict[str, Any]], view: Any) -> None:
    """Shows events in the main thread as they come, until the run ends."""
    while not handle.done:
        try:
            event = events.get(timeout=0.1)
        except queue.Empty:
            continue
        if view is not None:
            view.handle(event)


def _drain(events: queue.Queue[dict[str, Any]], view: Any) -> None:
    while True:
        try:
            view.handle(events.get_nowait())
        except queue.Empty:
            return


def _report(record: Any, run_id: int | None, as_json: bool) -> None:
    if as_json:
        _print_json({**record.to_json(), "id": run_id, "output": record.output,
                     "stderr_tail": record.stderr_tail})
        return
    from rich.console import Console

    from studytool.commands.run_view import print_summary

    print_summary(Console(), record, run_id)


@click.command()
@click.argument("names", nargs=-1)
@click.option("--quick", "mode", flag_value="quick", default=True,
              help="Short settings and quick checks (default; under 60 s).")
@click.option("--full", "mode", flag_value="full",
              help="The book's settings for every answer; wide-spread answers over seeds 0-2.")
@click.option("--workers", type=click.IntRange(1, 16), help="Parallel worker processes.")
@click.option("--timeout", type=float, metavar="SECONDS", help="Per-answer time limit.")
@click.option("--isolate", is_flag=True, help="A fresh process per answer (slower).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object at the end.")
def check(names: tuple[str, ...], mode: str, workers: int | None, timeout: float | None,
          isolate: bool, as_json: bool) -> None:
    """Self-check: run every answer (or NAMES) and its checks; exit 1 if any fails."""
    from studytool.commands.runs_tables import CheckRows
    from studytool.runner import selfcheck
    from studytool.runner.checks import key_figure
    from studytool.runner.history import History

    quick = mode == "quick"
    jobs = selfcheck.plan(list(names), quick, timeout=timeout)
    answers = {job.answer.name: job.answer for job in jobs}
    seeded = {job.answer.name for job in jobs if "seed" in job.params and job.answer.median_seeds
              and not quick}
    rows = CheckRows(answers, seeded)
    history = History(_db_url(), _learner())
    ids: dict[int, int] = {}  # id(record) -> its run id
    store_errors: list[StudytoolError] = []

    def row(record: Any) -> None:
        # Stored the moment it finishes: a check killed later keeps every finished answer.
        try:
            ids[id(record)] = history.save(record)
        except StudytoolError as exc:
            store_errors.append(exc)
        if not as_json:
            click.echo(rows.line(record))
            sys.stdout.flush()

    started = time.perf_counter()
    try:
        history.open()  # an unusable --db is bad input: refused before anything runs
        if not as_json:
            click.echo(f"checking {len(jobs)} answers ({mode})")
        pool = selfcheck.Pool(jobs, workers or selfcheck.default_workers(), row, isolate)
        records, stopped_by = _run_pool(pool)
    finally:
        history.close()
    total = time.perf_counter() - started
    cancelled = [r for r in records if r.status == "cancelled"]
    bad = [r for r in records if r.status not in ("ok", "cancelled")]
    # A median over seeds that were cancelled says nothing: only finished runs count.
    median_rows = selfcheck.medians(jobs, records) if stopped_by is None else []
    bad_medians = [m for m in median_rows if not m["passed"]]
    if as_json:
        _print_json({"mode": mode, "ok": not (bad or cancelled or store_errors or bad_medians),
                     "seconds": round(total, 2), "answers": [
            {"name": r.answer, "status": r.status, "figure": key_figure(answers[r.answer],
                                                                        r.final),
             "seconds": r.seconds, "message": r.message, "checks": r.checks, "final": r.final,
             "params": r.params, "id": ids.get(id(r))} for r in records],
                     "medians": median_rows})
    else:
        for median in median_rows:
            click.echo(f"{median['answer']}  {'ok' if median['passed'] else 'FAILED'}  "
                       f"{median['message']} (seeds {', '.join(map(str, median['seeds']))}: "
                       f"{', '.join(f'{v:.4f}' for v in median['values'])})")
        ok = len(records) - len(bad) - len(cancelled)
        click.echo(f"{ok}/{len(records)} ok in {total:.1f} s"
                   + (f"; failing: {', '.join(r.answer for r in bad)}" if bad else "")
                   + (f"; cancelled: {', '.join(r.answer for r in cancelled)}"
                      if cancelled else "")
                   + (f"; medians failing: {', '.join(m['answer'] for m in bad_medians)}"
                      if bad_medians else ""))
    if store_errors:
        click.echo(f"error: {error_line(store_errors[0])}", err=True)
    if stopped_by is not None:
        click.echo(f"error: self-check cancelled after {len(records)} of {len(jobs)} answers",
                   err=True)
        sys.exit(interrupt_exit_code(stopped_by))
    if bad:
        click.echo(f"error: {len(bad)} of {len(records)} answers not ok: "
                   f"{', '.join(f'{r.answer} ({r.status})' for r in bad)}", err=True)
    elif bad_medians:
        click.echo(f"error: median over seeds below its floor: "
                   f"{', '.join(m['answer'] for m in bad_medians)}", err=True)
    sys.exit(1 if bad or store_errors or bad_medians else 0)


def _run_pool(pool: Any) -> tuple[list[Any], KeyboardInterrupt | None]:
    """The pool's records, and the Ctrl-C or SIGTERM that stopped it. The first signal
    cancels the running answers (the pool stores them as they end); later ones are noted
    only, so the clean-up finishes."""
    stopped: list[KeyboardInterrupt] = []

    def stop(signum: int, _frame: Any) -> None:
        if stopped:
            return
        stopped.append(Terminated() if signum == signal.SIGTERM else KeyboardInterrupt())
        raise stopped[0]

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        records = pool.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return records, stopped[0] if stopped else None
