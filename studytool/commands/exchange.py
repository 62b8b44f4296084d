"""`studytool export`, `studytool import`, `studytool optimize`: thin wrappers over
studytool.exchange (the TUI calls the same functions)."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from studytool.exchange.progress import Progress, ProgressCallback

FORMATS = ("json", "csv", "apkg", "md")
SHOW_AFTER = 0.5  # seconds: a quick export or import draws no bar at all


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="json: everything (re-importable); csv: review log for FSRS tools; "
                   "apkg: Anki package; md: progress report.")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True,
              help="File to write (a new one, or a regular file it replaces).")
@click.option("--json-version", type=click.IntRange(1, 3), default=3, show_default=True,
              help="JSON layout: 3 is JSON lines with cards and reviews as rows (fastest to "
                   "import); 2 is JSON lines of objects, 1 one document, for an older "
                   "studytool.")
def export(fmt: str, output: Path, json_version: int) -> None:
    """Export progress as JSON, a CSV review log, an Anki package or a Markdown report."""
    from studytool.commands.handle import command_db
    from studytool.exchange.api import export_to
    from studytool.exchange.output import check_target

    check_target(output)  # a link, pipe or device is refused before the database is opened
    with progress_bar("exporting") as bar:
        line = export_to(command_db(), fmt, output, bar, json_version)
    click.echo(line)


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--max-mb", type=click.IntRange(1, 1 << 20), default=None,
              help="Refuse files bigger than this (default: any size; memory stays flat).")
def import_(path: Path, max_mb: int | None) -> None:
    """Import (merge) a JSON export or an Anki package (.apkg: its cards and review history;
    needs the `anki` extra): one transaction, nothing changes on any problem."""
    from studytool.commands.handle import command_db
    from studytool.exchange.api import import_from

    with progress_bar("importing") as bar:
        line = import_from(command_db(), path, max_mb, bar)
    click.echo(line)


@click.command("optimize")
@click.option("--save", is_flag=True, help="Keep the fitted parameters for scheduling.")
def optimize(save: bool) -> None:
    """Fit personal FSRS parameters from the review log (needs at least 512 reviews)."""
    from studytool.commands.handle import command_db
    from studytool.exchange.optimize import optimize_report

    click.echo(optimize_report(command_db(), save))


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback | None]:
    """A one-line bar on stderr with the counts, when stderr is a terminal and the work
    takes longer than SHOW_AFTER; erased at the end, so the result line stands alone."""
    if not sys.stderr.isatty():
        yield None
        return
    started = time.monotonic()
    shown = False

    def show(progress: Progress) -> None:
        nonlocal shown
        if time.monotonic() - started < SHOW_AFTER:
            return
        shown = True
        width = shutil.get_terminal_size((80, 24)).columns - 1
        sys.stderr.write("\r" + bar_line(label, progress, width) + "\x1b[K")
        sys.stderr.flush()

    try:
        yield show
    finally:
        if shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def bar_line(label: str, progress: Progress, width: int) -> str:
    """`importing [#######-------------]  35%  144 of 412 MB: 100,000 cards, 312,000 reviews`,
    cut to `width`."""
    fraction = progress.fraction
    cells = 20
    if fraction is None:
        bar, percent = "?" * cells, ""
    else:
        filled = int(fraction * cells)
        bar, percent = "#" * filled + "-" * (cells - filled), f" {fraction:4.0%}"
    counts = progress.counts_text()
    line = f"{label} [{bar}]{percent}  {progress.amount_text()}" + (f": {counts}"
                                                                    if counts else "")
    return line[:width]
