"""Browse (search, filters, history, suspend toggle), stats and settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_support import (
    _utc_wall_clock,  # noqa: F401  (autouse fixture)
    make_app,
    open_screen,
    press,
    service_for,
    settle,
)
from textual.widgets import DataTable, Input, Select

from studytool.tui.screens.browse import BrowseScreen
from studytool.tui.screens.settings import SettingsScreen
from studytool.tui.screens.stats import StatsScreen


def _ids(table: DataTable) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


@pytest.mark.slow
async def test_browse_searches_filters_and_suspends(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        # one review first, so there is a history to show and a state to filter on
        await press(pilot, app, "enter")
        await press(pilot, app, "space", "3")
        await press(pilot, app, "escape", "b")
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        cards = screen.query_one("#cards", DataTable)
        assert _ids(cards) == [f"demo-q{i:02d}" for i in range(1, 6)]
        history = screen.query_one("#history", DataTable)
        first = [str(c) for c in history.get_row_at(0)]
        assert first[1] == "Good" and first[2].startswith("new →")

        await press(pilot, app, "slash", *"cell state")
        assert _ids(cards) == ["demo-q04"]
        await pilot.press("enter")  # back to the table
        assert screen.focused is cards
        (card,) = screen.cards.values()
        await press(pilot, app, "s")
        assert service_for(app).card(card.card_id).suspended
        assert str(cards.get_row_at(0)[3]) == "yes"
        await pilot.press("s")  # and back
        await settle(pilot, app)
        assert not service_for(app).card(card.card_id).suspended

        screen.query_one("#search", Input).value = ""
        screen.query_one("#f-state", Select).value = "new"
        await settle(pilot, app)
        assert _ids(cards) == ["demo-q02", "demo-q03", "demo-q04", "demo-q05"]


@pytest.mark.slow
async def test_stats_show_todays_numbers(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await press(pilot, app, "enter")
        await press(pilot, app, "space", "3")
        await press(pilot, app, "space", "1")
        await press(pilot, app, "escape", "t")
        assert isinstance(app.screen, StatsScreen)
        numbers = str(app.screen.query_one("#stats-numbers").render())
        assert "Reviews today  2" in numbers
        assert "new 3" in numbers


@pytest.mark.slow
async def test_settings_are_stored_in_the_database(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, app, "o", SettingsScreen)
        field = screen.query_one("#set-new_per_day", Input)
        assert screen.focused is field and field.value == "20"
        field.value = ""
        await pilot.press(*"7")
        await press(pilot, app, "ctrl+s")
        assert service_for(app).get_settings().new_per_day == 7

        screen.query_one("#set-desired_retention", Input).value = "5"
        await press(pilot, app, "ctrl+s")
        assert service_for(app).get_settings().desired_retention == 0.9  # refused, not stored
        await press(pilot, app, "escape")
        assert type(app.screen).__name__ == "HomeScreen"


@pytest.mark.slow
async def test_the_theme_is_stored_and_applied_on_the_next_start(tmp_path: Path) -> None:
    from textual.widgets import Select

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.theme == "textual-dark"
        await press(pilot, app, "o")
        app.screen.query_one("#set-theme", Select).value = "nord"
        await pilot.pause()
        assert app.theme == "nord"  # previewed at once
        await pilot.press("escape")  # not saved: back to the stored theme
        await settle(pilot, app)
        assert app.theme == "textual-dark"
        assert service_for(app).get_settings().theme == "textual-dark"
        await press(pilot, app, "o")
        app.screen.query_one("#set-theme", Select).value = "gruvbox"
        await pilot.pause()
        await press(pilot, app, "ctrl+s")
        assert service_for(app).get_settings().theme == "gruvbox"

    again = make_app(tmp_path)  # same database file
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot, again)
        assert again.theme == "gruvbox"
