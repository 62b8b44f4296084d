"""Exercises beside their questions: x creates the learner's file, v verifies it live."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_tui_support import (
    NOW,
    _utc_wall_clock,  # noqa: F401  (autouse fixture)
    settle,
    wait_until,
)

from studytool.deck import Deck, Question
from studytool.tui.app import StudyApp
from studytool.tui.screens.review import ReviewScreen
from studytool.tui.widgets.exercise_panel import ExercisePanel

SOLUTIONS = Path(__file__).parent / "exercise_solutions"


def _app(tmp_path: Path) -> StudyApp:
    from datetime import UTC

    questions = (
        Question(id="ch12-q05", text="Write a module that predicts the third word.",
                 answer="Two embeddings in, one prediction out.", tags=(), answers=(),
                 mistake=None),
        Question(id="ch12-q06", text="What is a recurrent neural network?",
                 answer="A loop over the layers.", tags=(), answers=(), mistake=None),
    )
    deck = Deck(id="ch12", title="Chapter 12", path=tmp_path / "ch12.toml", questions=questions)
    return StudyApp(f"sqlite:///{tmp_path / 'study.sqlite3'}", clock=lambda: NOW, decks=[deck],
                    service_options={"tz": UTC, "fuzz": False}, device="cpu")


def _header(screen: ReviewScreen) -> str:
    return str(screen.query_one("#card-info").render())


def _checks(panel: ExercisePanel) -> str:
    return str(panel.query_one(".verify-checks").render())


async def test_x_creates_the_file_and_v_verifies_it_beside_the_card(
        tmp_path: Path, _isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from studytool.exercises import get_exercise, progress, solution_file, workspace

    monkeypatch.setenv("EDITOR", "true")
    app = _app(tmp_path)
    exercise = get_exercise("third-word")
    path = workspace.exercise_file(exercise)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card.question_id == "ch12-q05"
        assert "exercise: third-word (pending)" in _header(screen)
        await pilot.press("v")  # nothing to verify yet
        await pilot.pause()
        assert any("x creates it" in n.message for n in app._notifications)

        await pilot.press("x")  # the scaffold is written (the test terminal cannot suspend)
        await settle(pilot, app)
        assert path.read_text() == exercise.scaffold

        panel = screen.query_one("#side-verify", ExercisePanel)
        await pilot.press("v")  # the scaffold fails its checks
        await wait_until(pilot, lambda: panel.display and not panel.running, timeout=60)
        await settle(pilot, app)
        assert "✗" in _checks(panel)
        assert "(pending)" in _header(screen)
        assert progress.load_all(app.db_url)["third-word"].attempts == 1

        shutil.copy(solution_file(exercise), path)
        await pilot.press("v")
        await wait_until(pilot, lambda: not panel.running, timeout=60)
        await settle(pilot, app)
        lines = _checks(panel).splitlines()
        assert any(line.startswith("✓ ") for line in lines) and "✗" not in _checks(panel)
        assert "all" in str(panel.query_one(".verify-summary").render())
        assert "exercise: third-word (done)" in _header(screen)
        record = progress.load_all(app.db_url)["third-word"]
        assert record.done and record.attempts == 2
        assert screen.card.question_id == "ch12-q05"  # still on the same card

        await pilot.press("escape")  # hides the checks, stays on the card
        await pilot.pause()
        assert not panel.display and app.screen is screen
        await pilot.press("space", "3")
        await settle(pilot, app)
        assert screen.card.question_id == "ch12-q06"
        assert "exercise" not in _header(screen)  # no exercise: no x/v either
        await pilot.press("v")
        await pilot.pause()
        assert not panel.display


async def test_esc_stops_a_verification(tmp_path: Path, _isolated_home: Path) -> None:
    from studytool.exercises import get_exercise, progress, workspace

    app = _app(tmp_path)
    exercise = get_exercise("third-word")
    workspace.start(exercise)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        screen = app.screen
        panel = screen.query_one("#side-verify", ExercisePanel)
        await pilot.press("v")
        await pilot.pause()
        assert panel.running
        await pilot.press("escape")
        await wait_until(pilot, lambda: not panel.running, timeout=30)
        assert app.screen is screen
        assert "third-word" not in progress.load_all(app.db_url)  # a stopped run is no attempt
