"""Text from files, the database and child processes is shown as written on every screen,
never parsed as markup: `Notes [/]` once crashed the app at start (Rich MarkupError), a
question id `mk-[/]` crashed the review screen and `[draft]` vanished from a title.

The data is hostile in every way Textual's markup could read it: a closing tag with nothing
to close, lower- and upper-case tags, a `$variable`, real style tags, a trailing backslash and
an escape sequence. It arrives the real ways: a deck file in the learner's deck folder, rows
an import could have stored, a run's record, a child process's events and a learner's file.
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from test_tui_support import (
    NOW,
    open_screen,
    press,
    running,
    select_answer,
    settle,
    use_fixture_answers,
    wait_until,
)
from textual.widgets import DataTable, Input, Select
from textual.widgets._toast import Toast

from studytool.tui.app import StudyApp

TITLE = "Notes [/] [draft] [Draft] [$x] [b]bold[/b] end\\"
DB_TITLE = "Imported [/] [red]deck[/red] [$x]"
QID = "mk-[/]"
TAGS = ["[b]", "[/]", "[Draft]"]
ANSWER = "[Draft]lab"
HOSTILE = "[/] [Draft] [$x]"

DECK_FILE = f"""\
[deck]
id = "notes"
title = '{TITLE}'

[[question]]
id = "notes-q01"
text = "What does [/] close? And [Draft]? And [$x]?"
answer = "Nothing [b]at all[/b] [/]"
mistake = "Thinking [red]this[/red] is red [/]"
"""


def seed(url: str) -> None:
    """The decks synced, then what an import or an old run could have left in the database."""
    from studytool.deck import deck_files, load_installed
    from studytool.run_record import EpochRow, RunRecord
    from studytool.srs import StudyService
    from studytool.store import open_db
    from studytool.store.models import NEW, CardRow, DeckRow
    from studytool.store.runs import save_run

    db = open_db(url)
    try:  # the database takes in every deck file of the folder (`decks add`)
        StudyService(db, clock=lambda: NOW, tz=UTC).sync_decks(
            load_installed(deck_files())[0])
        with db.session() as session:
            session.add(DeckRow(id="imp[/]", title=DB_TITLE, path="", fingerprint="imported"))
            session.flush()
            session.add(CardRow(deck_id="imp[/]", question_id=QID, position=0,
                                text=f"Imported question {HOSTILE}?",
                                answer=f"Imported answer {HOSTILE}", mistake=HOSTILE,
                                answers=[], tags=TAGS, kind="", fingerprint="f", state=NEW,
                                due=NOW - timedelta(days=1), suspended=False, archived=False))
        for status in ("ok", "failed"):
            save_run(db, RunRecord(
                answer=ANSWER, status=status, device="[red]cpu", params={"p": HOSTILE},
                epochs=[EpochRow(0, 1.0, 1.1, 0.5, 1.0)], final={"accuracy": 0.5},
                message=f"{HOSTILE} message", started_at=NOW, finished_at=NOW,
                stderr_tail=f"{HOSTILE} tail", checks=[
                    {"label": HOSTILE, "passed": False, "message": f"{HOSTILE} check"}]))
    finally:
        db.close()


@pytest.fixture
def app(tmp_path: Path, _isolated_home: Path) -> StudyApp:
    decks = _isolated_home / "decks"
    decks.mkdir(parents=True)
    (decks / "notes.toml").write_text(DECK_FILE, encoding="utf-8")
    # A deck file the database took in and that broke since, whose problem line (a
    # notification) names it: `[/]` across a folder.
    bad = decks / "bad [Draft] [$x] [b].toml"
    bad.write_text("[deck]\nid = 'x'\ntitle = 'x'\n[[question]]\nid = 'x-q1'\n"
                   "text = 'q'\nanswer = 'a'\n")
    url = f"sqlite:///{tmp_path / 'study.sqlite3'}"
    seed(url)
    bad.write_text("[deck]\nid = 'x'\n[[question]\n")
    return StudyApp(url, clock=lambda: NOW, service_options={"tz": UTC, "fuzz": False},
                    device="cpu")


def rendered(widget) -> str:
    return str(widget.render())


def row_texts(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def home_row(pilot, app: StudyApp, deck_id: str) -> None:
    table = app.screen.query_one("#decks", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(deck_id))
    await pilot.pause()


async def test_home_shows_file_and_database_titles_as_written(app: StudyApp) -> None:
    async with running(app, (100, 30), notifications=True) as pilot:
        await pilot.pause(0.3)  # the toasts (a deck problem naming the broken file) paint
        titles = [row[0] for row in row_texts(app.screen.query_one("#decks", DataTable))]
        assert TITLE in titles and DB_TITLE in titles
        toasts = [rendered(toast) for toast in app.screen.query(Toast)]
        assert any("bad [Draft] [$x] [b].toml" in toast for toast in toasts), toasts
        assert app.is_running


@pytest.mark.slow
async def test_review_shows_ids_tags_and_answers_as_written(app: StudyApp) -> None:
    async with running(app, (100, 30)) as pilot:
        await home_row(pilot, app, "imp[/]")
        await press(pilot, app, "enter")
        screen = app.screen
        assert screen.card.question_id == QID
        info = rendered(screen.query_one("#card-info"))
        assert QID in info and ", ".join(TAGS) in info
        await press(pilot, app, "space")
        assert screen.revealed
        card_id = screen.card.card_id
        await pilot.press("3")  # rated: the database row changes, the app carries on
        await settle(pilot, app)
        assert [row.rating for row in app.opened.service.history(card_id)] == [3]

        await press(pilot, app, "escape")
        await home_row(pilot, app, "notes")
        await press(pilot, app, "enter")
        await pilot.press("w")  # typed mode: the learner's own text is not markup either
        await pilot.pause()
        typed = app.screen.query_one("#typed", Input)
        typed.value = HOSTILE + " mine\\"
        await press(pilot, app, "enter")
        assert HOSTILE + " mine\\" in rendered(app.screen.query_one("#your-answer"))
        assert app.is_running


async def test_browse_lists_hostile_cards_and_their_history_title(app: StudyApp) -> None:
    async with running(app, (120, 30)) as pilot:
        await press(pilot, app, "b")
        table = app.screen.query_one("#cards", DataTable)
        rows = row_texts(table)
        index = next(i for i, row in enumerate(rows) if row[0] == QID)
        assert rows[index][7].startswith("Imported question [/] [Draft] [$x]")
        table.move_cursor(row=index)
        await settle(pilot, app)
        title = rendered(app.screen.query_one("#history-title"))
        assert title.startswith(f"{QID} Imported question [/] [Draft] [$x]")  # as written
        await press(pilot, app, "enter")  # the card itself, as written
        assert "Imported question [/] [Draft] [$x]" in rendered(app.screen.query_one("#card-text"))
        options = [str(prompt) for prompt, _ in app.screen.query_one("#f-deck", Select)._options]
        assert "notes" in options
        assert app.is_running


@pytest.mark.slow
async def test_run_lab_and_stats_show_stored_runs_as_written(app: StudyApp) -> None:
    async with running(app, (120, 30)) as pilot:
        await press(pilot, app, "l")
        past = app.screen.query_one("#past-runs", DataTable)
        await wait_until(pilot, lambda: past.row_count == 2)
        assert [row[1:3] + row[6:] for row in row_texts(past)] == [
            [ANSWER, "failed", "[red]cpu"], [ANSWER, "ok", "[red]cpu"]]
        await press(pilot, app, "escape")
        await press(pilot, app, "t")
        runs = rendered(app.screen.query_one("#stats-runs"))
        assert ANSWER in runs and "1 failed, 1 ok" in runs
        assert app.is_running


@pytest.mark.slow
async def test_a_run_reporting_markup_is_shown_as_written(app: StudyApp,
                                                          monkeypatch: pytest.MonkeyPatch):
    use_fixture_answers(monkeypatch)
    async with app.run_test(size=(120, 34)) as pilot:
        from studytool.tui.screens.runlab import RunLabScreen

        screen = await open_screen(pilot, app, "l", RunLabScreen)
        await select_answer(pilot, screen, "fx-brackets")
        panel = screen.query_one("#lab-run")
        # The run ends in an error whose message, as the worker reported it, is shown.
        await wait_until(pilot, lambda: "went wrong" in rendered(panel.query_one(".run-message")),
                         timeout=120)
        message = rendered(panel.query_one(".run-message"))
        assert "[/] [Draft] [$x] went wrong\\" in message
        # A string where the epoch belongs is the row's place; a string loss is shown as text.
        assert row_texts(panel.query_one(".run-epochs", DataTable))[0][:2] == ["0", "[b]"]
        assert app.is_running


@pytest.mark.slow
async def test_an_import_error_naming_a_bracketed_path_is_shown_as_written(app: StudyApp,
                                                                          tmp_path: Path):
    folder = tmp_path / "a ["  # with the file's name, the path reads `a [/] [Draft]...`
    folder.mkdir()
    target = folder / "] [Draft] [$x].json"
    target.write_text("{ not json")
    async with running(app, (100, 30)) as pilot:
        await press(pilot, app, "x")
        app.screen.query_one("#import-path", Input).value = str(target)
        app.screen.query_one("#import-path", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.screen.busy)
        await pilot.pause(0.3)
        shown = rendered(app.screen.query_one("#exchange-result"))
        assert shown.startswith("error:") and "a [/] [Draft] [$x].json" in shown
        assert app.is_running


@pytest.mark.slow
async def test_check_messages_from_the_learners_code_are_shown_as_written(
        tmp_path: Path) -> None:
    from textual.app import App, ComposeResult

    from studytool.exercises import get_exercise
    from studytool.tui.widgets.exercise_panel import ExercisePanel

    class Host(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.db_url = f"sqlite:///{tmp_path / 'p.sqlite3'}"

        def compose(self) -> ComposeResult:
            yield ExercisePanel(id="panel")

    learner = tmp_path / "dropout.py"
    learner.write_text(f"raise ValueError({HOSTILE + ' raised'!r})\n")
    host = Host()
    async with host.run_test(size=(100, 30)) as pilot:
        panel = host.query_one(ExercisePanel)
        panel.verify(get_exercise("dropout"), learner)
        await wait_until(pilot, lambda: not panel.running, timeout=90)
        checks = rendered(panel.query_one(".verify-checks"))
        assert "ValueError: [/] [Draft] [$x] raised" in checks
        assert host.is_running


def test_control_characters_never_reach_the_terminal() -> None:
    from studytool.tui.text import cell, markup, plain

    for shown in (plain("a\x1b[31mb\x07"), markup("$v", v="a\x1b[31mb\x07")):
        assert "\x1b" not in shown.plain and "\x07" not in shown.plain
    assert "\x1b" not in cell("a\x1b[2Jb").plain
    assert plain("two\nlines\tand a tab").plain == "two\nlines\tand a tab"


@pytest.mark.parametrize("text", [TITLE, DB_TITLE, HOSTILE, "x[/b]", "[link=http://x]y", "\\"])
def test_the_helpers_keep_every_character(text: str) -> None:
    from studytool.tui.text import cell, markup, plain

    assert plain(text).plain == text
    assert markup("[b]$v[/b] after", v=text).plain == f"{text} after"
    assert cell(text).plain == text


def test_no_screen_builds_markup_from_outside_text() -> None:
    # The way back in would be an f-string that holds markup and interpolates a value: every
    # such string in tui/ is listed here, each checked to interpolate only our own words and
    # numbers. Anything new goes through tui/text.py instead.
    import re

    allowed = {"Today: [b]{done}[/b] reviewed, [b]{due}[/b] due. Press Enter to review.",
               "Today: [b]{done}[/b] reviewed. Nothing is due: well done.",
               "[b]{n}[/b] {label} [dim]{self.intervals.get(n, '?')}[/dim]",
               "[dim]the book: {len(rows)} epochs, final accuracy {_fmt(last.get('accuracy'))}",
               "[b]Reviews today[/b]  {getattr(stats, 'reviews_today', 0)}",
               "[b]Due tomorrow[/b]   {getattr(stats, 'due_tomorrow', 0)}",
               "[b]{label}[/b]  "}
    tui = Path(__file__).resolve().parents[1] / "studytool" / "tui"
    found = set()
    for source in tui.rglob("*.py"):
        for literal in re.findall(r'f"([^"\n]*)"', source.read_text()):
            words = re.sub(r"\{[^{}]*\}", "", literal)  # the interpolated expressions removed
            if "{" in literal and re.search(r"\[/?[a-z#@]", words):
                found.add(literal)
    assert found <= allowed, found - allowed


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_real_app_starts_in_a_terminal_with_such_a_deck(tmp_path: Path, child_env) -> None:
    """What the learner saw: `studytool` died with a MarkupError traceback on every start."""
    import os
    import shlex
    import sys

    from test_tui_tmux import Tmux

    decks = Path(child_env["STUDYTOOL_HOME"]) / "decks"
    decks.mkdir(parents=True)
    (decks / "notes.toml").write_text(DECK_FILE, encoding="utf-8")
    import subprocess

    added = subprocess.run([sys.executable, "-m", "studytool", "decks", "add",
                            str(decks / "notes.toml")], env=child_env, capture_output=True,
                           text=True, timeout=120)
    assert added.returncode == 0, added.stderr  # the database takes the deck in first
    env = {**child_env, "TERM": "xterm-256color"}
    tmux = Tmux(f"studytool-markup-{os.getpid()}",
                f"exec {shlex.quote(sys.executable)} -m studytool", env)
    try:
        home = tmux.wait_for(lambda s: "Today:" in s)
        assert TITLE in home and "Traceback" not in home and "MarkupError" not in home
        pid = tmux.pid()
        tmux.keys("Down", "Enter")  # the notes deck (after ch12): its card's review header
        tmux.wait_for(lambda s: "notes-q01" in s and "Space show answer" in s)
        tmux.keys("Escape", "q")
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    finally:
        tmux.kill()
