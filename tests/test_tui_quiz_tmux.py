"""The quiz in the real app in a real terminal (tmux): the grader starts when review opens, in
its own process; `w`, type, Enter shows the grade; Enter takes the suggestion and the grade is
stored. The app never loads torch or the tokenizer library; the grader never loads torch.

Every wait polls the screen (or /proc) with a generous deadline: the first grade on a fresh
home embeds the deck's references, which takes tens of seconds on a loaded 2-core machine.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_tui_tmux import Tmux, _maps

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

ANSWER = ("Find a small, simple dataset and prototype on it first, so each experiment takes "
          "seconds instead of hours.")


def _workers(parent: int) -> list[int]:
    """Pids of grading processes whose parent is `parent`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent and b"studytool.grading.worker" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return ") Z " not in stat.read_text()
    except OSError:
        return False


def _poll(condition, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.2)


@pytest.fixture
def quiz_terminal(tmp_path: Path, child_env: dict[str, str]):
    env = {**child_env, "TERM": "xterm-256color"}
    command = f"exec {shlex.quote(sys.executable)} -m studytool"
    tmux = Tmux(f"studytool-quiz-{os.getpid()}", command, env)
    try:
        yield tmux, Path(env["STUDYTOOL_HOME"])
    finally:
        tmux.kill()


@pytest.mark.slow
def test_the_quiz_in_the_real_app(quiz_terminal) -> None:
    tmux, home = quiz_terminal
    tmux.wait_for(lambda s: "Today:" in s, 60)
    app = tmux.pid()
    assert not _workers(app)  # nothing starts before review opens

    tmux.keys("Enter")
    tmux.wait_for(lambda s: "ch12-q01" in s and "Space show answer" in s, 60)
    # Review opened: the grader starts on its own, as a child process of the app.
    (worker,) = _poll(lambda: _workers(app), 60, "the grading process started")
    assert worker != app

    tmux.keys("w")
    tmux.wait_for(lambda s: "Enter grades" in s, 30)
    subprocess.run([*tmux.base, "send-keys", "-t", "t", "-l", ANSWER], check=True)
    tmux.wait_for(lambda s: "prototype on it first" in s, 30)
    tmux.keys("Enter")
    graded = tmux.wait_for(lambda s: "suggested:" in s or "Not graded" in s, 300)
    assert "suggested:" in graded, graded
    suggested = int(graded.split("suggested:", 1)[1].split()[0])
    assert suggested >= 3, graded  # a right answer: Good or Easy
    assert "You wrote" in graded

    maps = _maps(app)
    assert "libtorch" not in maps and "tokenizers" not in maps  # the model is elsewhere
    assert "libtorch" not in _maps(worker)  # and the grader runs it without torch
    assert _workers(app) == [worker]  # the same warm process did the grade

    tmux.keys("Enter")  # takes the suggested rating
    tmux.wait_for(lambda s: "ch12-q02" in s, 60)

    # The quiz was for that card: on the next one Space reveals the answer (no field takes
    # it as a typed space), and Esc leaves review.
    tmux.keys("Space")
    tmux.wait_for(lambda s: "1 Again" in s, 60)
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Today: 1 reviewed" in s, 30)
    tmux.keys("q")
    _poll(lambda: not _alive(app), 30, "the app quit")
    _poll(lambda: not _alive(worker), 30, "the grading process ended with the app")

    from studytool.srs import StudyService
    from studytool.store import open_db

    service = StudyService(open_db(f"sqlite:///{home / 'studytool.sqlite3'}"))
    card = service.browse(query="ch12-q01")[0]
    (review,) = service.history(card.card_id)
    assert review.rating == review.suggested_rating == suggested
    assert review.typed_answer == ANSWER and 0.5 < review.grade_score <= 1
