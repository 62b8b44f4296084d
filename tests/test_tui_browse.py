"""Browse (search, filters, history, suspend toggle), stats and settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest
from test_tui_support import (
    NOW,
    make_app,
    on_screen,
    open_screen,
    press,
    rate_today,
    running,
    screen_lines,
    service_for,
    settle,
    started,
)
from textual.widgets import DataTable, Input, Select

from studytool.tui.app import StudyApp
from studytool.tui.screens.browse import BrowseScreen
from studytool.tui.screens.home import HomeScreen
from studytool.tui.screens.settings import SettingsScreen
from studytool.tui.screens.stats import StatsScreen


def _ids(table: DataTable) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


@pytest.mark.slow
async def test_browse_searches_filters_and_suspends(tmp_path: Path) -> None:
    async with started(tmp_path) as (app, pilot):
        # one review first, so there is a history to show and a state to filter on
        await rate_today(pilot, app, 3)
        screen = await open_screen(pilot, app, "b", BrowseScreen)
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
        assert str(cards.get_row_at(0)[3]) == "susp"
        await pilot.press("s")  # and back
        await settle(pilot, app)
        assert not service_for(app).card(card.card_id).suspended

        screen.query_one("#search", Input).value = ""
        screen.query_one("#f-state", Select).value = "new"
        await settle(pilot, app)
        assert _ids(cards) == ["demo-q02", "demo-q03", "demo-q04", "demo-q05"]


@pytest.mark.slow
async def test_stats_show_todays_numbers(tmp_path: Path) -> None:
    async with started(tmp_path) as (app, pilot):
        await rate_today(pilot, app, 3, 1)
        screen = await open_screen(pilot, app, "t", StatsScreen)
        numbers = str(screen.query_one("#stats-numbers").render())
        assert "Reviews today  2" in numbers
        assert "new 3" in numbers


@pytest.mark.slow
async def test_settings_are_stored_in_the_database(tmp_path: Path) -> None:
    async with on_screen(tmp_path, "o", SettingsScreen) as (app, pilot, screen):
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


async def test_at_80x24_browse_shows_the_highlighted_question_in_full(tmp_path: Path) -> None:
    # The table has room for only the question's first letters at 80 columns.
    async with on_screen(tmp_path, "b", BrowseScreen) as (app, pilot, screen):
        await pilot.press("down", "down")
        await settle(pilot, app)
        shown = "\n".join(screen_lines(app))
        assert "demo-q03 What does group_chunks do?" in shown
        assert "What does group_chunks do?" not in "\n".join(
            line for line in screen_lines(app) if line.startswith(" demo-q03  "))


async def test_at_80x24_the_save_button_is_in_view_and_saves(tmp_path: Path) -> None:
    from textual.widgets import Button

    async with on_screen(tmp_path, "o", SettingsScreen) as (app, pilot, screen):
        await settle(pilot, app)
        save = screen.query_one("#save", Button)
        assert any("Save (ctrl+s)" in line for line in screen_lines(app))
        assert 0 < save.region.bottom <= app.size.height - 1  # above the footer, whole
        screen.query_one("#set-new_per_day", Input).value = "9"
        await pilot.click("#save")
        await settle(pilot, app)
        assert service_for(app).get_settings().new_per_day == 9


@pytest.mark.slow
async def test_the_theme_is_stored_and_applied_on_the_next_start(tmp_path: Path) -> None:
    from textual.widgets import Select

    async with started(tmp_path) as (app, pilot):
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
    async with running(again) as pilot:
        assert again.theme == "gruvbox"


def _rated_a_month_ago(app: StudyApp, question_id: str, rating: int) -> None:
    """Rate a card as if a month ago (a review card due by now, its recall below 100%)."""
    from datetime import timedelta

    from studytool.srs import StudyService
    from studytool.store import open_db

    past = StudyService(open_db(app.db_url), clock=lambda: NOW - timedelta(days=30), tz=UTC,
                        fuzz=False)
    (card_id,) = past.card_ids_for([question_id])
    past.rate(card_id, rating)


@pytest.mark.slow
async def test_browse_shows_memory_state_sorts_marks_and_the_card(tmp_path: Path) -> None:
    from studytool.srs.memory import card_memory

    async with started(tmp_path, size=(120, 40)) as (app, pilot):
        _rated_a_month_ago(app, "demo-q03", 4)
        _rated_a_month_ago(app, "demo-q05", 3)
        await press(pilot, app, "enter")  # the learning card due comes first, S/D/R in its header
        header = str(app.screen.query_one("#card-info").render())
        memory = {m.question_id: m for m in card_memory(service_for(app).db, NOW)}
        q05 = memory["demo-q05"]
        assert q05.stability is not None and q05.difficulty is not None
        assert q05.retrievability is not None and q05.retrievability < 1
        assert header.startswith("5 left · demo-q05 · learning · ")
        assert (f"S {q05.stability:.1f}d D {q05.difficulty:.1f} R {q05.retrievability:.0%}"
                in header)
        await press(pilot, app, "b")  # bury it: browse still says new/review, with a mark
        screen = await open_screen(pilot, app, "escape", HomeScreen)
        screen = await open_screen(pilot, app, "b", BrowseScreen)
        cards = screen.query_one("#cards", DataTable)
        rows = {str(cards.get_row_at(i)[0]): [str(c) for c in cards.get_row_at(i)]
                for i in range(cards.row_count)}
        assert rows["demo-q05"][3] == "buried"
        assert rows["demo-q01"][3] == ""
        for qid in ("demo-q03", "demo-q05"):  # the numbers `studytool cards` computes
            m = memory[qid]
            assert m.stability is not None and m.difficulty is not None
            assert m.retrievability is not None
            assert rows[qid][4:7] == [f"{m.stability:.1f}", f"{m.difficulty:.1f}",
                                      f"{m.retrievability:.0%}"]
        assert rows["demo-q01"][4:7] == ["-", "-", "-"]

        assert memory["demo-q03"].stability > memory["demo-q05"].stability  # type: ignore[operator]
        await press(pilot, app, "o")  # by S, lowest first; cards without S last
        assert _ids(cards)[:2] == ["demo-q05", "demo-q03"]
        await press(pilot, app, "o", "o", "o")  # D, R, then back to the deck's order
        assert _ids(cards) == [f"demo-q{i:02d}" for i in range(1, 6)]
        # A click on the R header sorts by R; a second click reverses it.
        r_header = sum(w + 2 for w in (10, 10, 16, 10, 7, 5)) + 2
        await pilot.click("#cards", offset=(r_header, 0))
        await settle(pilot, app)
        lower = min(("demo-q03", "demo-q05"), key=lambda q: memory[q].retrievability or 0)
        assert _ids(cards)[0] == lower
        await pilot.click("#cards", offset=(r_header, 0))
        await settle(pilot, app)
        assert _ids(cards)[1] == lower and screen.sort == ("R", True)

        # Enter shows the card itself (as written: its `**` is text, not markup) above its log.
        cards.move_cursor(row=_ids(cards).index("demo-q01"))
        text, box = screen.query_one("#card-text"), screen.query_one("#card-text-box")
        assert not box.display
        await press(pilot, app, "enter")
        shown = str(text.render())
        assert box.display
        assert "What is the **hidden state** of an RNN?" in shown
        assert "h = F.relu(self.h_h(self.i_h(x) + h))" in shown
        assert "never reviewed" in str(screen.query_one("#history-title").render())
        await press(pilot, app, "enter")
        assert not box.display


@pytest.mark.slow
async def test_browse_at_80x24_keeps_the_table_and_log_under_a_long_card(tmp_path: Path) -> None:
    """A card shown with Enter scrolls in a bounded box instead of pushing the table and the
    review log off the screen (q05's 30-line answer hid both at 100x30)."""
    async with started(tmp_path, size=(80, 24)) as (app, pilot):
        screen = await open_screen(pilot, app, "b", BrowseScreen)
        cards = screen.query_one("#cards", DataTable)
        cards.move_cursor(row=_ids(cards).index("demo-q01"))
        await settle(pilot, app)
        # A card with an answer as long as the chapter's code answers (q05's is 30 lines).
        key = next(k for k, c in screen.cards.items() if c.question_id == "demo-q01")
        long_answer = "\n".join(f"line {i} of a long code answer" for i in range(40))
        screen.cards[key] = replace(screen.cards[key], answer=long_answer)
        await press(pilot, app, "enter")
        box = screen.query_one("#card-text-box")
        assert box.display and box.region.height <= 24 * 0.45 + 1
        assert cards.region.height >= 3  # the cursor row and its neighbours stay visible
        assert screen.query_one("#history-title").region.height >= 1
        assert screen.query_one("#history").region.height >= 1
        assert box.virtual_size.height > box.region.height  # the answer is longer: it scrolls
