"""SVG snapshots of the main screens at 80x24 and 120x40 (fixed clock, deck and answers).

Regenerate after a deliberate change of the screens with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_tui_support import (
    make_app,
    settle,
)
from textual.widgets import Input

from answers_code.registry import Answer, Check

SIZES = [(80, 24), (120, 40)]

# A fixed catalogue for the run lab, so the tree does not move when answers are added.
SNAPSHOT_ANSWERS = {
    a.name: a for a in (
        Answer(name="lmmodel1", title="LMModel1: three words in", entry="x:y",
               questions=("demo-q01",), trains=True, book_model="lmmodel1",
               checks=(Check("accuracy", ">=", 0.44),)),
        Answer(name="float-precision", title="Why float32 loses small updates", entry="x:y",
               questions=("demo-q02",)),
        Answer(name="chunk", title="torch.chunk splits the gates", entry="x:y",
               questions=("demo-q02", "demo-q03")),
    )
}


def fix_the_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    import studytool.runner.catalog as catalog

    monkeypatch.setattr(catalog, "all_answers", lambda: dict(SNAPSHOT_ANSWERS))


def _steady(pilot) -> None:
    # A blinking text cursor is visible or not depending on when the picture is taken.
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


async def _ready(pilot) -> None:
    await settle(pilot, pilot.app)
    _steady(pilot)


def _press_then_settle(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot, pilot.app)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, pilot.app)
        _steady(pilot)
        await pilot.pause()
    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=_ready)


# Each screen as the keys pressed on home bring it up: every screen the app has, and the
# panels and dialogs that cover one.
SCREENS = {
    "review_question": ("enter",),
    "review_answer_shown": ("enter", "space"),
    "review_keys": ("enter", "question_mark"),
    "browse": ("b",),
    "stats": ("enter", "space", "3", "space", "1", "space", "4", "escape", "t"),
    "settings": ("o",),
    "run_lab": ("l",),
    "run_lab_past_runs": ("l", "p"),
    "exercises": ("e",),
    "exchange": ("x",),
    "learners": ("p",),
    "class": ("c",),
}
# Paths on screen (the exercise files, the export's default) are the same on every run.
FIXED_HOME = Path("/tmp/studytool-snapshots")


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, screen: str,
                size: tuple[int, int]) -> None:
    if screen.startswith("run_lab"):
        fix_the_catalogue(monkeypatch)
    # A fresh home each time: files an earlier run left there (exercise files, edited decks)
    # would change what the screens show.
    shutil.rmtree(FIXED_HOME / "home", ignore_errors=True)
    FIXED_HOME.mkdir(exist_ok=True)
    monkeypatch.setenv("STUDYTOOL_HOME", str(FIXED_HOME / "home"))
    monkeypatch.chdir(FIXED_HOME)
    assert snap_compare(make_app(tmp_path), terminal_size=size,
                        run_before=_press_then_settle(*SCREENS[screen]))
