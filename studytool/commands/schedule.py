"""`studytool reschedule`: a new desired retention, and every studied card's due date moved to
match it, in one transaction (the settings screen does the same on save)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import click

from studytool.commands.study import open_service


@click.command("reschedule")
@click.option("--retention", type=float, required=True, metavar="R",
              help="Desired retention, 0.70 to 0.99 (the chance of recall at each due date).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_obj
def reschedule(obj: dict[str, Any], retention: float, as_json: bool) -> None:
    """Set the desired retention and reschedule the cards already studied: prints how many
    due dates moved and the workload (reviews/day over the next 30 days) before and after."""
    from studytool.config import Settings
    from studytool.srs.settings_store import validate

    validate(Settings(desired_retention=retention))  # refused before the database is opened
    service = open_service(obj)
    settings = replace(service.get_settings(), desired_retention=retention)
    if retention == service.get_settings().desired_retention:
        moved = None
    else:
        moved = service.save_settings(settings)
    if as_json:
        click.echo(json.dumps({"retention": retention,
                               "rescheduled": moved.to_json() if moved else None}, indent=2))
    elif moved is None:
        click.echo(f"desired retention is already {retention:.2f}: nothing to reschedule")
    else:
        click.echo(f"desired retention {retention:.2f}\n{moved.text()}")
