"""Export and import from the app (x on Home): real files, real databases, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_helpers import read_export
from test_tui_support import (
    on_screen,
    open_screen,
    press,
    rate_today,
    service_for,
    settle,
    started,
)
from textual.widgets import Input, Select

from studytool.tui.screens.exchange import ExchangeScreen


def _result(screen: ExchangeScreen) -> str:
    return str(screen.query_one("#exchange-result").render())


@pytest.mark.slow
async def test_export_then_import_into_another_database(tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    out = tmp_path / "out.json"
    async with started(first) as (app, pilot):
        await rate_today(pilot, app, 3, 4)
        screen = await open_screen(pilot, app, "x", ExchangeScreen)
        screen.query_one("#export-path", Input).value = str(out)
        await press(pilot, app, "ctrl+e")
        assert _result(screen) == f"wrote {out}: 2 reviews (JSON export)"
        document = read_export(out)
        assert document  # a real export file

        screen.query_one("#export-format", Select).value = "md"
        await pilot.pause()
        report = tmp_path / "report.md"
        screen.query_one("#export-path", Input).value = str(report)
        await press(pilot, app, "ctrl+e")
        assert "Markdown report" in _result(screen) and report.read_text().startswith("#")

    second = tmp_path / "second"
    second.mkdir()
    async with on_screen(second, "x", ExchangeScreen) as (other, pilot, screen):
        home = other.screen_stack[-2]
        assert [str(c) for c in home.query_one("#decks").get_row_at(0)][1] == "5"
        screen.query_one("#import-path", Input).value = str(out)
        screen.query_one("#import-path", Input).focus()
        await pilot.press("enter")
        await settle(pilot, other)
        assert _result(screen).startswith(f"imported {out}:")
        # The home screen below re-read its counts: two cards are no longer new.
        assert [str(c) for c in home.query_one("#decks").get_row_at(0)][1] == "3"
        reviews = [len(service_for(other).history(c.card_id)) for c in
                   service_for(other).browse()]
        assert sum(reviews) == 2


@pytest.mark.slow
async def test_a_bad_import_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    async with on_screen(tmp_path, "x", ExchangeScreen) as (app, pilot, screen):
        screen.query_one("#import-path", Input).value = str(bad)
        screen.query_one("#import-path", Input).focus()
        await press(pilot, app, "enter")
        notes = [n.message for n in app._notifications if n.severity == "error"]
        assert len(notes) == 1 and "\n" not in notes[0] and "Traceback" not in notes[0]
        assert "bad.json" in notes[0] or "JSON" in notes[0]
        screen.query_one("#export-path", Input).value = str(tmp_path / "no" / "such" / "x.csv")
        screen.query_one("#export-format", Select).value = "csv"
        await press(pilot, app, "ctrl+e")
        assert _result(screen).startswith("error:")
        await press(pilot, app, "escape")
        assert [str(c) for c in app.screen.query_one("#decks").get_row_at(0)][1] == "5"


@pytest.mark.slow
async def test_the_extension_follows_the_format_and_replacing_a_file_needs_a_second_press(
        tmp_path: Path) -> None:
    backup = tmp_path / "backup.json"
    async with on_screen(tmp_path, "x", ExchangeScreen) as (app, pilot, screen):
        path = screen.query_one("#export-path", Input)
        path.value = str(backup)
        await press(pilot, app, "ctrl+e")
        assert read_export(backup)["format"] == "studytool-export"

        # Another format: the file name follows, so the JSON backup is not overwritten.
        screen.query_one("#export-format", Select).value = "csv"
        await pilot.pause()
        assert path.value == str(tmp_path / "backup.csv")

        # Back to the backup's own name: the first press only warns, the second replaces.
        screen.query_one("#export-format", Select).value = "json"
        await pilot.pause()
        assert path.value == str(backup)
        backup.write_text("older backup")
        await press(pilot, app, "ctrl+e")
        assert backup.read_text() == "older backup"
        await press(pilot, app, "ctrl+e")
        assert read_export(backup)["format"] == "studytool-export"
