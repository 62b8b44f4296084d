"""Shared pieces of the TUI tests (a fixed deck, clock and database), and the glue's own tests.

The other tests/test_tui_*.py files import from here; pytest puts tests/ on sys.path.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from runner_helpers import use_fixture_answers  # noqa: F401 (the TUI tests import it from here)

from studytool.deck import Deck, Question
from studytool.tui.app import StudyApp
from studytool.tui.backend import question_line

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
S = TypeVar("S")

DECK_TOML = """\
id = "demo"
title = "Demo: recurrent networks"

[[questions]]
id = "demo-q01"
text = "What is the hidden state?"
"""


def demo_deck(path: Path, answers: tuple[str, ...] = ("fx-epochs",)) -> Deck:
    """Five questions in the chapter's style; the first links a runnable answer."""
    texts = [
        ("What is the **hidden state** of an RNN?", "The activations carried from one step "
         "to the next: `h = F.relu(self.h_h(self.i_h(x) + h))`.", "Confusing it with the "
         "weights: the weights are shared, the state changes every step."),
        ("Why do we *detach* the hidden state?", "So backpropagation stops at the batch "
         "boundary (truncated BPTT) instead of going through all the history.", None),
        ("What does `group_chunks` do?", "Reorders the sequences so batch *i* continues "
         "where batch *i-1* stopped, row by row.", None),
        ("What is an LSTM's cell state for?", "A second state that carries long-term memory, "
         "updated by the forget and input gates.", "Thinking the cell state is the output."),
        ("What is weight tying?", "Using the same matrix for the embedding and the output "
         "layer, since both map between vocabulary and activations.", None),
    ]
    questions = tuple(
        Question(id=f"demo-q{i:02d}", text=text, answer=answer, tags=("rnn",) if i < 4 else (),
                 answers=answers if i == 1 else (), mistake=mistake)
        for i, (text, answer, mistake) in enumerate(texts, start=1))
    return Deck(id="demo", title="Demo: recurrent networks", path=path, questions=questions)


def make_app(tmp_path: Path, *, answers: tuple[str, ...] = ("fx-epochs",),
             db_url: str | None = None) -> StudyApp:
    deck_file = tmp_path / "demo.toml"
    deck_file.write_text(DECK_TOML, encoding="utf-8")
    url = db_url or f"sqlite:///{tmp_path / 'study.sqlite3'}"
    return StudyApp(url, clock=lambda: NOW, decks=[demo_deck(deck_file, answers)],
                    service_options={"tz": UTC, "fuzz": False}, device="cpu")


def service_for(app: StudyApp) -> Any:
    """A second service on the same database file: what another process would see."""
    from studytool.srs import StudyService
    from studytool.store import open_db

    return StudyService(open_db(app.db_url), clock=lambda: NOW, tz=UTC, fuzz=False)


async def settle(pilot: Any, app: StudyApp, quiet_rounds: int = 3) -> None:
    """Wait until no worker has run for a few rounds (workers post messages that start more)."""
    quiet = 0
    deadline = time.monotonic() + 20
    while quiet < quiet_rounds and time.monotonic() < deadline:
        # A finished worker's news travels on as messages (BackendReady, then DataChanged to
        # each screen, which starts the next worker): unhandled messages count as busy.
        # The exercises screen's file watcher runs as long as the screen is open: not work.
        working = [w for w in app.workers if w.group != "watch"]
        busy = (any(not w.is_finished for w in working)
                or any(not node._message_queue.empty() for node in (app, *app.screen_stack)))
        if working:  # (an empty list means every worker to Textual)
            await app.workers.wait_for_complete(working)
        await pilot.pause(0.02)
        quiet = 0 if busy or app.backend is None and not app.backend_error else quiet + 1
    await pilot.pause()


async def press(pilot: Any, app: StudyApp, *keys: str) -> None:
    """Press `keys`, then wait until the work they started is done (see settle)."""
    await pilot.press(*keys)
    await settle(pilot, app)


async def open_screen(pilot: Any, app: StudyApp, key: str, kind: type[S]) -> S:
    """Once the database is open, `key` on home opens the screen `kind`: that screen."""
    await settle(pilot, app)
    await press(pilot, app, key)
    screen = app.screen
    assert isinstance(screen, kind)
    return screen


async def rate_today(pilot: Any, app: StudyApp, *ratings: int) -> None:
    """From home: review today's first cards, rating them `ratings` in turn, and back home."""
    await press(pilot, app, "enter")
    for rating in ratings:
        await press(pilot, app, "space", str(rating))
    await press(pilot, app, "escape")


@asynccontextmanager
async def running(app: StudyApp, size: tuple[int, int] = (80, 24),
                  **options: Any) -> AsyncIterator[Any]:
    """`app` running at `size` (run_test's `options`), its database open: its pilot."""
    async with app.run_test(size=size, **options) as pilot:
        await settle(pilot, app)
        yield pilot


@asynccontextmanager
async def started(tmp_path: Path, size: tuple[int, int] = (80, 24),
                  **options: Any) -> AsyncIterator[tuple[StudyApp, Any]]:
    """The demo app (make_app with `options`) running at `size`, its database open: the app
    and its pilot."""
    app = make_app(tmp_path, **options)
    async with running(app, size) as pilot:
        yield app, pilot


@asynccontextmanager
async def on_screen(tmp_path: Path, key: str, kind: type[S], size: tuple[int, int] = (80, 24),
                    **options: Any) -> AsyncIterator[tuple[StudyApp, Any, S]]:
    """The demo app running with `key` pressed on home (see open_screen): the app, its pilot
    and the screen `kind`."""
    app = make_app(tmp_path, **options)
    async with app.run_test(size=size) as pilot:
        yield app, pilot, await open_screen(pilot, app, key, kind)


async def select_answer(pilot: Any, screen: Any, name: str) -> None:
    """Move the run lab's cursor down its list to the answer `name`, and press Enter (run)."""
    screen.query_one("#answers").focus()
    await pilot.press("home")
    for _ in range(len(screen.rows)):
        row = screen.highlighted_row()
        if row is not None and row.answer == name:
            break
        await pilot.press("down")
    row = screen.highlighted_row()
    assert row is not None and row.answer == name
    await pilot.press("enter")
    await pilot.pause()


def screen_lines(app: StudyApp) -> list[str]:
    """The text of every row of the terminal as the app last drew it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def wait_until(pilot: Any, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


def test_question_line_finds_the_id(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('title = "x"\n\n[[questions]]\nid = "demo-q02"\ntext = "..."\n')
    assert question_line(path, "demo-q02") == 4
    assert question_line(path, "demo-q09") is None
    assert question_line(tmp_path / "missing.toml", "demo-q02") is None


async def test_home_lists_the_deck_with_counts(tmp_path: Path) -> None:
    async with started(tmp_path) as (app, pilot):
        table = app.screen.query_one("#decks")
        assert table.row_count == 1
        assert [str(c) for c in table.get_row_at(0)][:5] == [
            "Demo: recurrent networks", "5", "0", "0", "5"]
        assert "5" in str(app.screen.query_one("#today").render())
        assert app.first_paint_s is not None


@pytest.mark.parametrize(("key", "screen"), [("enter", "ReviewScreen"), ("b", "BrowseScreen")])
async def test_a_key_pressed_while_the_database_opens_is_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, screen: str) -> None:
    import threading

    from studytool.tui import app as app_module

    opened = threading.Event()  # the database opens only once the key has been pressed
    real = app_module.open_backend

    def slow_open(*args: Any, **kwargs: Any) -> Any:
        opened.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(app_module, "open_backend", slow_open)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.backend is None and "Opening" in str(app.screen.query_one("#today").render())
        await pilot.press(key)  # right after launch, before the database is open
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert "once it is open" in str(app.screen.query_one("#today").render())
        opened.set()
        await settle(pilot, app)
        assert type(app.screen).__name__ == screen


async def test_a_broken_database_is_a_message_not_a_crash(tmp_path: Path) -> None:
    not_a_db = tmp_path / "garbage.sqlite3"
    not_a_db.write_bytes(b"this is not a database file" * 100)
    app = make_app(tmp_path, db_url=f"sqlite:///{not_a_db}")
    async with running(app) as pilot:
        assert app.backend is None and app.backend_error
        assert "Cannot open the database" in str(app.screen.query_one("#today").render())
        await pilot.press("r")  # review needs the database: a notification, still on home
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    assert app.return_code in (0, None)


async def test_a_broken_deck_file_is_a_notification(tmp_path: Path, _isolated_home: Path) -> None:
    from studytool.deck.loader import check_file
    from studytool.srs import StudyService
    from studytool.store import open_db

    decks = _isolated_home / "decks"
    decks.mkdir(parents=True)
    mine = decks / "broken.toml"
    mine.write_text('[deck]\nid = "mine"\ntitle = "Mine"\n[[question]]\nid = "mine-q1"\n'
                    'text = "q"\nanswer = "a"\n')
    url = f"sqlite:///{tmp_path / 'study.sqlite3'}"
    db = open_db(url)  # the database takes the deck in; then its file breaks
    StudyService(db, clock=lambda: NOW).sync_decks([check_file(mine)[0]])
    db.close()
    mine.write_text('[deck]\nid = "mine"\n[[question]\nid = "x"\n')
    app = StudyApp(url, clock=lambda: NOW)
    async with running(app):
        assert app.backend is not None  # the shipped deck still loads
        notes = [n.message for n in app._notifications]
        assert any("broken.toml" in note for note in notes), notes
        assert app.screen.query_one("#decks").row_count >= 1


async def test_no_color_is_respected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    async with started(tmp_path) as (app, pilot):
        assert app.no_color  # Textual then renders through its monochrome filter
        assert app.screen.query_one("#decks").row_count == 1


async def test_question_mark_lists_every_key_of_the_screen(tmp_path: Path) -> None:
    from studytool.tui.widgets.keys_panel import KeysPanel

    async with started(tmp_path) as (app, pilot):
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query_one(KeysPanel)
        shown = "\n".join(screen_lines(app))
        for description in ("Bury", "Suspend", "Quiz", "Back"):
            assert description in shown
        await pilot.press("question_mark")
        await pilot.pause()
        assert not app.screen.query(KeysPanel)


async def test_question_mark_leads_with_the_screens_own_keys(tmp_path: Path) -> None:
    """At 80x24 with a field focused (settings), the screen's keys come first and in view,
    the field's generic editing keys after them; in browse, the table's after the screen's."""
    from studytool.tui.screens.settings import SettingsScreen

    async with started(tmp_path) as (app, pilot):
        await press(pilot, app, "o")
        assert isinstance(app.screen, SettingsScreen)
        assert type(app.screen.focused).__name__ == "Input"  # where `?` is typed: F1
        await pilot.press("f1")
        await pilot.pause()
        panel = app.screen.query_one("KeysPanel")
        left = panel.content_region.x
        rows = [" ".join(line[left:].split()) for line in screen_lines(app)]
        text = [row for row in rows if row]
        assert text[0] == "This screen"
        assert text[1:3] == ["^s Save", "esc Back"]
        widget_at = text.index("In the Input")
        assert text.index("Everywhere") < widget_at
        assert any("Move cursor" in row for row in text[widget_at:])  # generic keys, after ours

        await pilot.press("f1", "escape")
        await settle(pilot, app)
        await press(pilot, app, "b")
        assert type(app.screen.focused).__name__ == "DataTable"
        await pilot.press("question_mark")
        await pilot.pause()
        left = app.screen.query_one("KeysPanel").content_region.x
        text = [row for row in (" ".join(line[left:].split()) for line in screen_lines(app))
                if row]
        assert text[0] == "This screen" and "In the DataTable" in text
        assert text.index("In the DataTable") > text.index("Everywhere") > 1
