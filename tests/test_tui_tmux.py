"""The real `studytool` command in a real terminal (tmux): home, review, editor, run lab, quit."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """One detached session on a private server socket (other tmux users are not touched)."""

    def __init__(self, socket: str, command: str, env: dict[str, str],
                 size: tuple[int, int] = (100, 30)) -> None:
        self.base = ["tmux", "-L", socket]
        self.env = env
        subprocess.run([*self.base, "new-session", "-d", "-s", "t", "-x", str(size[0]),
                        "-y", str(size[1]), command], check=True, env=env)

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run([*self.base, "send-keys", "-t", "t", key], check=True)
            time.sleep(0.15)

    def screen(self) -> str:
        result = subprocess.run([*self.base, "capture-pane", "-p", "-t", "t"],
                                capture_output=True, text=True)
        return result.stdout

    def pid(self) -> int:
        out = subprocess.run([*self.base, "list-panes", "-t", "t", "-F", "#{pane_pid}"],
                             capture_output=True, text=True, check=True).stdout
        return int(out.split()[0])

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"screen never matched; last screen:\n{text}")
            time.sleep(0.1)

    def kill(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(tmp_path: Path, child_env: dict[str, str]):
    # The "editor" notes its arguments and, as a learner would, rewrites the question's text
    # (the line after the one it is opened at, `+LINE`).
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "editor-args.txt"}\n'
                      'case "$1" in +*) line=$(( ${1#+} + 1 ))\n'
                      '  sed -i "${line}s/^text = \\"/text = \\"EDITED /" "$2";; esac\n')
    editor.chmod(0o755)
    env = {**child_env, "EDITOR": str(editor), "TERM": "xterm-256color"}
    env.pop("VISUAL", None)
    command = f"{shlex.quote(sys.executable)} -m studytool"
    # `exec` keeps the app as the pane's process, so its pid is the pane's.
    tmux = Tmux(f"studytool-test-{os.getpid()}", f"exec {command}", env)
    try:
        yield tmux, tmp_path
    finally:
        tmux.kill()


def _maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.slow
def test_the_real_command_reviews_edits_runs_and_quits(terminal) -> None:
    tmux, tmp_path = terminal
    started = time.monotonic()
    home = tmux.wait_for(lambda s: "Today:" in s)
    assert time.monotonic() - started < 20
    assert "Chapter 12" in home and "0 reviewed" in home
    pid = tmux.pid()

    from studytool.config import questions_dir

    shipped = questions_dir() / "ch12.toml"
    shipped_bytes = shipped.read_bytes()
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "ch12-q01" in s and "Space show answer" in s)
    tmux.keys("Space")
    tmux.wait_for(lambda s: "1 Again" in s and "3 Good" in s)
    tmux.keys("3")
    tmux.wait_for(lambda s: "ch12-q02" in s)

    tmux.keys("e")  # $EDITOR opens the deck file at this card's line; the app comes back
    args_file = tmp_path / "editor-args.txt"
    deadline = time.monotonic() + 15
    while not args_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    args = args_file.read_text().split()
    edited = Path(args[-1])
    # The learner's own copy, never the installed file (an upgrade would replace it).
    assert edited == tmp_path / "home" / "decks" / "edited" / "ch12.toml"
    line = int(args[0].lstrip("+"))
    assert 'id = "ch12-q02"' in edited.read_text().splitlines()[line - 1]
    assert shipped.read_bytes() == shipped_bytes
    # The app reads the copy back: the edited text is on the card.
    tmux.wait_for(lambda s: "EDITED Why do we concatenate" in s)

    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Today: 1 reviewed" in s)

    tmux.keys("l")
    tmux.wait_for(lambda s: "prototype" in s)
    tmux.keys("Enter")  # the first question's answer: prototype, trained in a child process
    done = tmux.wait_for(lambda s: "prototype · ok" in s or "prototype · failed" in s, 90)
    assert "prototype · ok" in done, done
    assert "libtorch" not in _maps(pid)  # the app process never loaded torch

    tmux.keys("Escape", "q")
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def _save(path: Path, text: str) -> None:
    """Save as an editor does: a new file renamed over the old, in one step."""
    new = path.with_name(path.name + ".new")
    new.write_text(text)
    os.replace(new, path)


@pytest.mark.slow
def test_a_whole_exercise_in_the_real_app(terminal) -> None:
    """The rustlings loop without leaving the app: open an exercise, save it from outside
    (as the learner's editor would), see it verify by itself with the learner's prints, fix
    it, see it pass, then read the reference solution."""
    from studytool.exercises import get_exercise, solution_file

    tmux, tmp_path = terminal
    harness = Path(__file__).parent / "exercise_solutions" / "harness"
    exercise_file = tmp_path / "home" / "exercises" / "dropout.py"
    tmux.wait_for(lambda s: "Today:" in s)
    tmux.keys("e")
    tmux.wait_for(lambda s: "third-word" in s and "not started" in s)
    tmux.keys("Down", "Down")
    tmux.wait_for(lambda s: "dropout" in s and "dropout.py" in s)
    tmux.keys("x")  # the scaffold is written, the editor opens on it and comes back
    args = tmp_path / "editor-args.txt"
    deadline = time.monotonic() + 15
    while not args.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert args.read_text().split()[-1] == str(exercise_file)
    assert exercise_file.read_text() == get_exercise("dropout").scaffold
    tmux.wait_for(lambda s: "x Edit" in s)  # the app is back

    _save(exercise_file, (harness / "prints_shapes.py").read_text())  # wrong, and chatty
    failed = tmux.wait_for(lambda s: "✗" in s and "hello from import" in s, 120)
    assert "identity in eval mode" in failed
    tmux.keys("s")  # no solution before it passes
    shown = tmux.wait_for(lambda s: "solution opens" in s)  # the notice (it wraps)
    assert "failing" in shown and "reference Dropout" not in shown

    _save(exercise_file, solution_file(get_exercise("dropout")).read_text())
    tmux.wait_for(lambda s: "checks passed" in s and "done" in s, 120)
    tmux.keys("s")  # the reference solution (with the answer code it uses) in its place
    tmux.wait_for(lambda s: "The project's reference Dropout" in s
                  and "---- answers_code.dropout (dropout.py) ----" in s)
