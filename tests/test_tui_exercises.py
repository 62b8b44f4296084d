"""Exercises beside their questions: x creates the learner's file, v verifies it live."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_tui_support import (
    NOW,
    open_screen,
    press,
    running,
    settle,
    wait_until,
)

from studytool.deck import Deck, Question
from studytool.exercises import solution_file
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


@pytest.mark.slow
async def test_x_creates_the_file_and_v_verifies_it_beside_the_card(
        tmp_path: Path, _isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from studytool.exercises import get_exercise, progress, solution_file, workspace

    monkeypatch.setenv("EDITOR", "true")
    app = _app(tmp_path)
    exercise = get_exercise("third-word")
    path = workspace.exercise_file(exercise)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot, app, "enter", ReviewScreen)
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
        assert progress.load_all(app.opened.service.db)["third-word"].attempts == 1

        shutil.copy(solution_file(exercise), path)
        await pilot.press("v")
        await wait_until(pilot, lambda: not panel.running, timeout=60)
        await settle(pilot, app)
        lines = _checks(panel).splitlines()
        assert any(line.startswith("✓ ") for line in lines) and "✗" not in _checks(panel)
        assert "all" in str(panel.query_one(".verify-summary").render())
        assert "exercise: third-word (done)" in _header(screen)
        record = progress.load_all(app.opened.service.db)["third-word"]
        assert record.done and record.attempts == 2
        assert screen.card.question_id == "ch12-q05"  # still on the same card

        await pilot.press("escape")  # hides the checks, stays on the card
        await pilot.pause()
        assert not panel.display and app.screen is screen
        await press(pilot, app, "space", "3")
        assert screen.card.question_id == "ch12-q06"
        assert "exercise" not in _header(screen)  # no exercise: no x/v either
        await pilot.press("v")
        await pilot.pause()
        assert not panel.display


@pytest.mark.slow
async def test_esc_stops_a_verification(tmp_path: Path, _isolated_home: Path) -> None:
    from studytool.exercises import get_exercise, progress, workspace

    app = _app(tmp_path)
    exercise = get_exercise("third-word")
    workspace.start(exercise)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot, app, "enter", ReviewScreen)
        panel = screen.query_one("#side-verify", ExercisePanel)
        await pilot.press("v")
        await pilot.pause()
        assert panel.running
        await pilot.press("escape")
        await wait_until(pilot, lambda: not panel.running, timeout=30)
        assert app.screen is screen
        # a stopped run is no attempt
        assert "third-word" not in progress.load_all(app.opened.service.db)


def _dropout_app(tmp_path: Path) -> StudyApp:
    from datetime import UTC

    questions = tuple(
        Question(id=qid, text=text, answer="Zero activations at random, rescale the rest.",
                 tags=(), answers=(), mistake=None)
        for qid, text in (("ch12-q32", "What is dropout?"),
                          ("ch12-q33", "Why scale the activations in dropout?")))
    deck = Deck(id="ch12", title="Chapter 12", path=tmp_path / "ch12.toml", questions=questions)
    return StudyApp(f"sqlite:///{tmp_path / 'study.sqlite3'}", clock=lambda: NOW, decks=[deck],
                    service_options={"tz": UTC, "fuzz": False}, device="cpu")


async def _quiet(pilot, app: StudyApp) -> None:
    """`settle`, but for the screen's file watcher, which runs as long as the screen is open."""
    await wait_until(pilot, lambda: all(w.is_finished for w in app.workers
                                        if w.group != "watch"), timeout=60)
    await pilot.pause(0.1)


def save(path: Path, text: str) -> None:
    """Save as an editor does, in one step (a new file renamed over the old): two writes seen
    apart on a loaded machine would be two saves, and so two verifications."""
    new = path.with_name(path.name + ".new")
    new.write_text(text)
    os.replace(new, path)


def _history(app: StudyApp, question_id: str) -> list[int]:
    service = app.opened.service
    [card_id] = service.card_ids_for([question_id])
    return [row.rating for row in service.history(card_id)]


@pytest.mark.slow
async def test_the_exercise_loop_in_its_screen(tmp_path: Path, _isolated_home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from studytool.exercises import get_exercise, progress, workspace
    from studytool.tui.screens.confirm import Confirm
    from studytool.tui.screens.exercises import ExercisesScreen

    monkeypatch.setenv("EDITOR", "true")
    app = _dropout_app(tmp_path)
    exercise = get_exercise("dropout")
    path = workspace.exercise_file(exercise)
    chatty = (SOLUTIONS / "harness" / "prints_shapes.py").read_text()
    reference = solution_file(exercise).read_text()
    async with running(app) as pilot:
        await pilot.press("e")
        await _quiet(pilot, app)
        screen = app.screen
        assert isinstance(screen, ExercisesScreen)
        table = screen.query_one("#exercise-list")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[1] for r in rows][:3] == ["third-word", "lstm-cell", "dropout"]
        assert {r[2] for r in rows} == {"not started"}
        assert screen.current.name == "third-word"  # the current one: the first not done
        await pilot.press("down", "down")
        assert screen.current.name == "dropout"
        panel = screen.query_one("#exercise-checks", ExercisePanel)

        await pilot.press("x")  # writes the scaffold (the test terminal cannot suspend)
        await _quiet(pilot, app)
        assert path.read_text() == exercise.scaffold
        assert str(path) in str(screen.query_one("#exercise-file").render())
        assert not panel.running  # writing the scaffold is no save
        await pilot.press("s")
        await pilot.pause()
        assert not screen.query_one("#exercise-solution").display  # not before it passes

        save(path, chatty)  # the learner saves: it verifies by itself
        await wait_until(pilot, lambda: panel.running, timeout=15)
        await wait_until(pilot, lambda: not panel.running, timeout=90)
        await _quiet(pilot, app)
        checks = _checks(panel)
        assert "✗ identity in eval mode" in checks
        assert "│ hello from import" in checks and "│ x shape (" in checks  # their prints
        assert "[" not in str(table.get_row_at(2)[2])
        assert str(table.get_row_at(2)[2]) == "failing"
        assert _history(app, "ch12-q32") == [1] and _history(app, "ch12-q33") == [1]

        save(path, chatty + "\n# still wrong\n")  # failing again is no news: no review
        await wait_until(pilot, lambda: panel.running, timeout=15)
        await wait_until(pilot, lambda: not panel.running, timeout=90)
        await _quiet(pilot, app)
        assert progress.load_all(app.opened.service.db)["dropout"].attempts == 2
        assert _history(app, "ch12-q32") == [1]

        save(path, reference)
        await wait_until(pilot, lambda: panel.running, timeout=15)
        await wait_until(pilot, lambda: not panel.running, timeout=90)
        await _quiet(pilot, app)
        assert "all 7 checks passed" in str(panel.query_one(".verify-summary").render())
        assert str(table.get_row_at(2)[2]) == "done"
        assert _history(app, "ch12-q32") == [1, 3] and _history(app, "ch12-q33") == [1, 3]
        await pilot.press("s")  # passed: the reference solution, its answer code included
        await pilot.pause()
        assert screen.query_one("#exercise-solution").display and not panel.display
        assert "class Dropout(nn.Module)" in str(screen.query_one("#solution-text").render())
        await pilot.press("escape")  # back to the checks, still on the screen
        await pilot.pause()
        assert panel.display and app.screen is screen

        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        assert path.read_text() == reference
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await _quiet(pilot, app)
        assert path.read_text() == exercise.scaffold
        assert path.with_name("dropout.py.bak").read_text() == reference
        await pilot.pause(1.0)
        assert not panel.running  # the reset is no save to verify
        assert progress.load_all(app.opened.service.db)["dropout"].attempts == 3
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"


async def test_at_80x24_every_exercise_and_its_whole_title_is_in_view(tmp_path: Path) -> None:
    from test_tui_support import screen_lines

    from studytool.exercises import EXERCISES

    app = _app(tmp_path)
    async with running(app) as pilot:
        await pilot.press("e")
        await _quiet(pilot, app)
        table = app.screen.query_one("#exercise-list")
        region = table.region
        rows = screen_lines(app)[region.y:region.bottom]
        title_at = rows[0].index("Title")
        shown = " ".join(" ".join(row[title_at:].split()) for row in rows[1:])
        for exercise in EXERCISES:
            assert exercise.title in shown, shown
        assert "…" not in shown
