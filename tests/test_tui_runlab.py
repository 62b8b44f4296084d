"""Run lab and the review side panel: real runs in real worker processes, no torch here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_tui_support import (
    on_screen,
    press,
    screen_lines,
    select_answer,
    settle,
    use_fixture_answers,
    wait_until,
)
from textual.widgets import DataTable, Static

from studytool.tui.screens.review import ReviewScreen
from studytool.tui.screens.runlab import RunLabScreen
from studytool.tui.widgets.run_panel import COLUMN_WIDTHS, RunPanel


@pytest.fixture(autouse=True)
def _fixture_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fixture_answers(monkeypatch)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
async def test_a_run_streams_rows_and_is_stored(tmp_path: Path) -> None:
    async with on_screen(tmp_path, "l", RunLabScreen) as (app, pilot, screen):
        questions = [row.question for row in screen.rows if row.answer is None]
        assert "ch12-q01" in questions
        await select_answer(pilot, screen, "fx-epochs")
        panel = screen.query_one("#lab-run", RunPanel)
        assert panel.answer_name == "fx-epochs"
        await wait_until(pilot, lambda: not panel.running)
        await settle(pilot, app)
        epochs = panel.query_one(".run-epochs", DataTable)
        assert epochs.row_count == 3  # the answer's book settings: 3 epochs
        assert [str(c) for c in epochs.get_row_at(0)][0] == "0"
        assert "ok" in str(panel.query_one(".run-title").render())
        assert "✓ reaches 0.5" in str(panel.query_one(".run-message").render())
        # fx-epochs names the book's lmmodel1 table: its numbers sit beside ours, epoch by epoch
        from answers_code.book import book_table

        book = book_table("lmmodel1")
        labels = [str(c.label) for c in epochs.columns.values()]
        row = dict(zip(labels, [str(c) for c in epochs.get_row_at(1)], strict=True))
        assert row["book acc"] == f"{book[1]['accuracy']:.3f}"
        assert sum(COLUMN_WIDTHS[label] for label in labels) <= panel.size.width
        assert "final accuracy 0.4944" in str(panel.query_one(".run-book").render())
        past = screen.query_one("#past-runs", DataTable)
        await wait_until(pilot, lambda: past.row_count == 1)
        stored = _stored_runs(app)[0]
        assert [str(c) for c in past.get_row_at(0)][1:6] == [
            "fx-epochs", "ok", "3", f"{stored.final['accuracy']:.4f}", f"{stored.seconds:.1f}"]
        # at 80x24 every column but the device is in view beside the answers
        await pilot.press("p")
        await pilot.pause(0.2)
        shown = sum(c.get_render_width(past) for c in past.ordered_columns[:6])
        assert shown <= past.size.width


@pytest.mark.slow
async def test_esc_cancels_a_run_and_a_failed_run_says_why(tmp_path: Path) -> None:
    async with on_screen(tmp_path, "l", RunLabScreen) as (app, pilot, screen):
        panel = screen.query_one("#lab-run", RunPanel)
        await select_answer(pilot, screen, "fx-hang")
        await wait_until(pilot, lambda: panel.handle is not None)
        pid = panel.handle.pid
        await pilot.press("escape")
        await wait_until(pilot, lambda: not panel.running)
        assert "cancelled" in str(panel.query_one(".run-title").render())
        assert not _alive(pid)
        assert isinstance(app.screen, RunLabScreen)  # Esc cancelled; it did not go back

        await select_answer(pilot, screen, "fx-raise")
        await wait_until(pilot, lambda: not panel.running)
        message = str(panel.query_one(".run-message").render())
        assert "shapes 3 and 4 do not match" in message
        await select_answer(pilot, screen, "fx-crash")
        await wait_until(pilot, lambda: not panel.running)
        message = str(panel.query_one(".run-message").render())
        assert "failed" in message and "SIGSEGV" in message and "stderr:" in message
        await select_answer(pilot, screen, "fx-exit")
        await wait_until(pilot, lambda: not panel.running)
        message = str(panel.query_one(".run-message").render())
        assert "leaving without a word" in message
    statuses = [(r.answer, r.status) for r in _stored_runs(app)]
    assert statuses[0] == ("fx-hang", "cancelled") and len(statuses) == 4


async def test_self_check_fills_one_row_per_answer(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the quick, well-behaved fixtures: the real catalogue is tested by `studytool check`.
    import studytool.runner.catalog as catalog

    everything = catalog.all_answers()
    chosen = {name: everything[name] for name in ("fx-ok", "fx-epochs", "fx-low")}
    monkeypatch.setattr(catalog, "all_answers", lambda: chosen)
    async with on_screen(tmp_path, "l", RunLabScreen) as (app, pilot, screen):
        await pilot.press("c")
        await wait_until(pilot, lambda: not screen.check_running, timeout=60)
        table = screen.query_one("#check-table", DataTable)
        rows = {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)]
                for i in range(table.row_count)}
        assert rows["fx-ok"][1:4:2] == ["ok", "1/1"]
        assert rows["fx-low"][3] == "0/1" and "beats 0.5" in rows["fx-low"][4]
        assert rows["fx-epochs"][1] == "ok"


def _stored_runs(app) -> list:
    """The runs table as another process sees it, oldest first."""
    from studytool.store import open_db
    from studytool.store.runs import recent_runs

    return list(reversed(recent_runs(open_db(app.db_url), None, limit=50)))


async def test_r_runs_the_cards_answer_beside_the_card_and_stores_it(tmp_path: Path) -> None:
    async with on_screen(tmp_path, "enter", ReviewScreen,
                         answers=("fx-epochs",)) as (app, pilot, review):
        await pilot.press("r")
        panel = review.query_one("#side-run", RunPanel)
        assert panel.display
        await wait_until(pilot, lambda: not panel.running)
        table = panel.query_one(".run-epochs", DataTable)
        assert table.row_count == 2  # quick: 2 epochs
        # Half of 80 columns: the book's accuracy stays, the time and book loss give way.
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["epoch", "train", "valid", "acc", "book acc"]
        assert review.card.question_id == "demo-q01"  # still on the same card
        await pilot.press("escape")  # hides the panel
        assert not panel.display and app.screen is review
    runs = _stored_runs(app)
    assert [(r.answer, r.status, len(r.epochs)) for r in runs] == [("fx-epochs", "ok", 2)]
    assert runs[0].params.get("epochs") == 2


@pytest.mark.slow
async def test_a_quick_run_says_so_and_r_shift_runs_the_full_one(tmp_path: Path) -> None:
    from answers_code.book import book_table
    from studytool.tui.widgets.plot import MetricsPlot

    async with on_screen(tmp_path, "enter", ReviewScreen, size=(120, 30),
                         answers=("fx-epochs",)) as (app, pilot, review):
        await pilot.press("r")
        panel = review.query_one("#side-run", RunPanel)
        await wait_until(pilot, lambda: not panel.running)
        await settle(pilot, app)
        assert "quick: 2 of 3 epochs" in str(panel.query_one(".run-title").render())
        assert "this run: 2 of 3 epochs (quick)" in str(panel.query_one(".run-book").render())
        assert "R runs it at the book's settings" in str(panel.query_one(".run-message").render())
        plot = panel.query_one(MetricsPlot)
        assert plot.book == book_table("lmmodel1")  # the book's curve drawn beside ours
        assert "book acc" in str(panel.query_one(".run-legend").render())
        await pilot.press("R")
        await wait_until(pilot, lambda: not panel.running)
        await settle(pilot, app)
        title = str(panel.query_one(".run-title").render())
        assert "ok" in title and "quick" not in title
        assert panel.query_one(".run-epochs", DataTable).row_count == 3
        assert "R runs" not in str(panel.query_one(".run-message").render())
    runs = _stored_runs(app)
    assert [(r.answer, len(r.epochs)) for r in runs] == [("fx-epochs", 2), ("fx-epochs", 3)]


@pytest.mark.slow
@pytest.mark.parametrize(("where", "key", "no"), [("l", "ctrl+q", "n"), ("l", "q", "n"),
                                                  ("enter", "ctrl+q", "escape")])
async def test_quitting_during_a_run_asks_then_kills_the_child_and_stores_it_cancelled(
        tmp_path: Path, where: str, key: str, no: str) -> None:
    # In the run lab and in a card's run panel (review) alike.
    from studytool.tui.screens.confirm import Confirm

    kind = RunLabScreen if where == "l" else ReviewScreen
    async with on_screen(tmp_path, where, kind, answers=("fx-hang",)) as (app, pilot, screen):
        if where == "l":
            panel = screen.query_one("#lab-run", RunPanel)
            await select_answer(pilot, screen, "fx-hang")
        else:
            panel = screen.query_one("#side-run", RunPanel)
            await pilot.press("r")
        await wait_until(pilot, lambda: panel.handle is not None)
        pid = panel.handle.pid
        await pilot.press(key)
        await pilot.pause(0.3)
        assert isinstance(app.screen, Confirm)  # asked, not quit
        assert "A run is still going" in str(app.screen.query_one(Static).render())
        await pilot.press(no)  # keep running
        await pilot.pause(0.3)
        assert app.screen is screen and panel.running and _alive(pid) and app.is_running
        await pilot.press(key)
        await pilot.pause(0.3)
        await pilot.press("y")  # quit anyway
        await pilot.pause(0.5)
    assert not _alive(pid)  # quitting waited for the child to be gone
    assert [(r.answer, r.status) for r in _stored_runs(app)] == [("fx-hang", "cancelled")]


_CHILD_RUN = """
import asyncio, sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from test_tui_support import make_app, running, settle, wait_until

async def main():
    app = make_app(Path(sys.argv[1]))
    async with running(app) as pilot:
        await pilot.press("l")
        await settle(pilot, app)
        screen = app.screen
        screen.query_one("#answers").focus()
        while screen.highlighted_row().answer != "float-precision":
            await pilot.press("down")
        await pilot.press("enter")
        panel = screen.query_one("#lab-run")
        await wait_until(pilot, lambda: panel.answer_name and not panel.running, timeout=120)
        print(str(panel.query_one(".run-title").render()))
    print("torch loaded" if "torch" in sys.modules else "no torch")

asyncio.run(main())
"""


@pytest.mark.slow
def test_a_real_answer_runs_without_torch_in_the_app(tmp_path: Path) -> None:
    # A child interpreter: other test files import torch into this pytest process.
    tests = Path(__file__).resolve().parent
    result = subprocess.run([sys.executable, "-c", _CHILD_RUN, str(tmp_path), str(tests)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert "float-precision · ok" in lines[-2], result.stdout
    assert lines[-1] == "no torch"


@pytest.mark.slow
async def test_the_run_panel_belongs_to_its_card_and_closes_on_the_next(tmp_path: Path) -> None:
    async with on_screen(tmp_path, "enter", ReviewScreen,
                         answers=("fx-epochs",)) as (app, pilot, review):
        panel = review.query_one("#side-run", RunPanel)
        await pilot.press("r")
        await wait_until(pilot, lambda: not panel.running)
        assert panel.display and review.card.question_id == "demo-q01"
        await pilot.press("space", "3")  # rated: the next card comes without the run
        await settle(pilot, app)
        assert review.card.question_id == "demo-q02"
        assert not panel.display
        question = review.query_one("#question")
        assert question.region.width >= 70  # the whole width again, not cut by the panel
        await pilot.press("u")  # undone back to demo-q01: a new card view, no stale panel
        await settle(pilot, app)
        assert review.card.question_id == "demo-q01" and not panel.display
        await pilot.press("r")  # running when the card is buried: cancelled, not left open
        await pilot.pause(0.2)
        assert panel.display
        await press(pilot, app, "b")
        await wait_until(pilot, lambda: not panel.running)
        assert review.card.question_id != "demo-q01" and not panel.display


@pytest.mark.slow
async def test_every_epoch_of_a_15_epoch_run_stays_in_view_at_80x24(tmp_path: Path) -> None:
    async with on_screen(tmp_path, "l", RunLabScreen) as (app, pilot, screen):
        panel = screen.query_one("#lab-run", RunPanel)
        await select_answer(pilot, screen, "fx-epochs15")
        await wait_until(pilot, lambda: not panel.running)
        await settle(pilot, app)
        table = panel.query_one(".run-epochs", DataTable)
        assert table.row_count == 15
        assert table.size.height >= 16 and table.scroll_y == 0  # rows 0-14 and the header
        assert table.region.bottom <= panel.region.bottom
        assert "reaches 0.5" in str(panel.query_one(".run-message").render())


async def test_at_80x24_every_question_is_listed_in_full(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Questions the demo deck holds (the fixture answers name ch12's, which it does not).
    from answers_code.registry import Answer
    from studytool.runner import catalog
    from studytool.tui.text import one_line

    chosen = {name: Answer(name=name, title=name, entry="x:y", questions=questions)
              for name, questions in (("lmmodel1", ("demo-q01", "demo-q04")),
                                      ("chunk", ("demo-q02", "demo-q03")))}
    monkeypatch.setattr(catalog, "all_answers", lambda: chosen)
    async with on_screen(tmp_path, "l", RunLabScreen) as (app, pilot, screen):
        listing = screen.query_one("#answers")
        region = listing.content_region
        assert region.width < 30  # narrower than any of these questions
        shown = " ".join(line[region.x:region.right].strip()
                         for line in screen_lines(app)[region.y:region.bottom])
        shown = " ".join(shown.split())
        for qid in ("demo-q01", "demo-q02", "demo-q03", "demo-q04"):
            text = one_line(app.opened.question_text(qid), 1000)
            assert f"{qid.split('-')[1]} {text}" in shown, shown
        assert "…" not in shown and "└ lmmodel1" in shown and "└ chunk" in shown
        # Enter on a question runs its first answer: the cursor moves to that answer's row
        await pilot.press("home", "enter")
        await pilot.pause()
        assert screen.highlighted_row().answer == "lmmodel1"
