"""`studytool export`, `studytool import`, `studytool optimize`: thin wrappers over
studytool.exchange (the TUI calls the same functions)."""

from __future__ import annotations

from pathlib import Path

import click

from studytool.errors import StudytoolError

FORMATS = ("json", "csv", "apkg", "md")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="json: everything (re-importable); csv: review log for FSRS tools; "
                   "apkg: Anki package; md: progress report.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="File to write (replaced if it exists).")
@click.pass_obj
def export(obj: dict, fmt: str, output: Path) -> None:
    """Export progress as JSON, a CSV review log, an Anki package or a Markdown report."""
    from studytool.exchange.api import export_to

    if not output.parent.is_dir():
        raise StudytoolError(f"no such folder: {output.parent}")
    click.echo(export_to(obj["db_url"], fmt, output))


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--max-mb", type=click.IntRange(1, 4096), default=None,
              help="Refuse files bigger than this (default 64 MiB).")
@click.pass_obj
def import_(obj: dict, path: Path, max_mb: int | None) -> None:
    """Import (merge) a JSON export: one transaction, nothing changes on any problem."""
    from studytool.exchange.api import import_from

    click.echo(import_from(obj["db_url"], path, max_mb))


@click.command("optimize")
@click.option("--save", is_flag=True, help="Keep the fitted parameters for scheduling.")
@click.pass_obj
def optimize(obj: dict, save: bool) -> None:
    """Fit personal FSRS parameters from the review log (needs at least 512 reviews)."""
    from studytool.exchange.optimize import optimize_report

    click.echo(optimize_report(obj["db_url"], save))
