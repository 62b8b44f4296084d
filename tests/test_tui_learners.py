"""Learners in the app: the header says who studies; p lists learners, Enter switches, a adds."""

from __future__ import annotations

from pathlib import Path

from test_tui_support import (
    make_app,
    open_screen,
    press,
    service_for,
    settle,
)
from textual.widgets import DataTable

from studytool.tui.screens.home import HomeScreen
from studytool.tui.screens.learners import LearnersScreen


async def test_switching_learner_shows_their_own_progress(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert "studying as default" in app.sub_title
        screen = await open_screen(pilot, app, "p", LearnersScreen)
        await press(pilot, app, "a")
        await pilot.press(*"zed")
        await press(pilot, app, "enter")
        table = screen.query_one(DataTable)
        assert [table.get_row_at(i)[1].plain for i in range(table.row_count)] == [
            "default", "zed"]
        assert table.cursor_row == 1  # on zed, just added
        await press(pilot, app, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)
        assert "studying as zed" in app.sub_title
        assert app.opened.db.learner == "zed"
        # zed starts from zero: the default learner's review stays theirs.
        zed = app.opened.service
        card = zed.next_card()
        zed.rate(card.card_id, 3)
        default = service_for(app)
        assert default.db.learner == "default" and default.stats().reviews_today == 0
        assert zed.stats().reviews_today == 1


async def test_a_bad_name_is_refused_on_the_screen_and_nothing_is_added(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, app, "p", LearnersScreen)
        await press(pilot, app, "a")
        await pilot.press(*"Bad Name")
        await press(pilot, app, "enter")
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        assert any("invalid learner name" in n.message for n in app._notifications)


async def test_the_class_screen_shows_each_learner_and_the_hardest_questions(
        tmp_path: Path) -> None:
    from test_tui_support import DECK_TOML, NOW, demo_deck

    from studytool.srs import StudyService
    from studytool.store import open_db
    from studytool.store.learners import add_learner
    from studytool.tui.screens.class_view import ClassScreen

    deck_file = tmp_path / "demo.toml"
    deck_file.write_text(DECK_TOML, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'study.sqlite3'}"
    db = open_db(url)
    with db.session() as session:
        add_learner(session, "zoe")
    zoe = StudyService(db.as_learner("zoe"), clock=lambda: NOW, fuzz=False)
    zoe.sync_decks([demo_deck(deck_file)])
    for _ in range(2):
        zoe.rate(zoe.next_card().card_id, 3)
    db.close()
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, app, "c", ClassScreen)
        await settle(pilot, app)
        table = screen.query_one("#class-learners", DataTable)
        rows = {table.get_row_at(i)[0].plain: table.get_row_at(i)[1]
                for i in range(table.row_count)}
        assert rows == {"default": 0, "zoe": 2}
