"""The progress bar of a long export or import: drawn on a terminal's stderr (and only there)
by the CLI, shown with its counts by the app while the work runs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from export_helpers import as_lines, read_export
from test_exchange_json import seed
from test_tui_support import (
    make_app,
    open_screen,
    settle,
)
from textual.widgets import Input, Label, ProgressBar

from studytool.commands import exchange as commands
from studytool.exchange.json_export import export_json
from studytool.exchange.progress import Progress
from studytool.tui.screens import exchange as screens
from studytool.tui.screens.exchange import ExchangeScreen


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_line_says_how_far_and_what_went_through():
    line = commands.bar_line("importing", Progress("import", 144_000_000, 412_000_000, "bytes",
                                                   {"decks": 10, "cards": 100_000,
                                                    "reviews": 312_000}), 200)
    assert line == ("importing [######--------------]  35%  144 of 412 MB: 10 decks, "
                    "100,000 cards, 312,000 reviews")
    assert len(commands.bar_line("exporting", Progress("export", 3, 4, "reviews"), 20)) == 20
    unknown = commands.bar_line("importing", Progress("import", 5_000_000, None, "bytes"), 200)
    assert unknown == "importing [????????????????????]  5.0 MB"


def test_the_cli_draws_on_a_terminal_only_and_erases_the_bar(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr(commands, "SHOW_AFTER", 0.0)
    with commands.progress_bar("exporting") as show:
        assert show is not None
        show(Progress("export", 500, 1000, "reviews", {"reviews": 500}))
    drawn = terminal.getvalue()
    assert drawn.startswith("\rexporting [##########----------]  50%  500 of 1,000 reviews")
    assert drawn.endswith("\r\x1b[K")  # erased: the result line stands alone

    quick = Terminal()
    monkeypatch.setattr("sys.stderr", quick)
    monkeypatch.setattr(commands, "SHOW_AFTER", 60.0)
    with commands.progress_bar("exporting") as show:
        assert show is not None
        show(Progress("export", 1, 2, "reviews"))
    assert quick.getvalue() == ""  # a quick one draws nothing

    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    with commands.progress_bar("importing") as show:
        assert show is None  # not a terminal: the export gets no callback at all


@pytest.fixture
def export_file(tmp_path) -> Path:
    service = seed(f"sqlite:///{tmp_path / 'a.sqlite3'}", [(0, 3, 5), (1, 1, 5)])
    export_json(service.db, tmp_path / "a.json")
    service.db.close()
    doc = read_export(tmp_path / "a.json")
    template = doc["reviews"][0]
    doc["reviews"] += [dict(template, reviewed_at=f"2027-01-01T{i // 3600:02d}:"
                            f"{i // 60 % 60:02d}:{i % 60:02d}.000000+00:00")
                       for i in range(20_000)]
    (tmp_path / "big.json").write_text(as_lines(doc))
    return tmp_path / "big.json"


@pytest.mark.slow
async def test_the_app_shows_the_bar_and_counts_during_an_import(export_file, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(screens, "SHOW_AFTER", 0.0)
    shown: list[tuple[bool, float | None, str]] = []
    real = ExchangeScreen.on_exchange_progress

    def watch(self, message):
        real(self, message)
        bar = self.query_one("#exchange-bar", ProgressBar)
        shown.append((bar.display, bar.total, str(self.query_one("#exchange-counts",
                                                                  Label).render())))

    monkeypatch.setattr(ExchangeScreen, "on_exchange_progress", watch)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, app, "x", ExchangeScreen)
        assert not screen.query_one("#exchange-bar").display
        screen.query_one("#import-path", Input).value = str(export_file)
        screen.query_one("#import-path", Input).focus()
        await pilot.press("enter")
        await settle(pilot, app)
        assert str(screen.query_one("#exchange-result").render()).startswith("imported")
        assert not screen.query_one("#exchange-bar").display  # gone once it is done
    assert shown, "no progress reached the screen"
    size = export_file.stat().st_size
    assert all(display and total == size for display, total, _ in shown)
    assert shown[-1][2].endswith("20,002 reviews, 1 exercises, 1 runs"), shown[-1][2]
