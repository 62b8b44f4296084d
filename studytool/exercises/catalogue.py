"""The exercises, in the order a learner meets them: read from answers_code/exercises/order.toml.

Torch-free. Each entry gives a name, a title, the questions it answers and its hints; the rest
comes from the name: the folder answers_code/exercises/<name with _ for ->/ holding
scaffold.py, checks.py and solution.py, the learner's file <folder>.py, and the checks module
that `exercise verify` imports in a child process.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

import answers_code.exercises  # torch-free package root: only its folder is used here
from studytool.errors import StudytoolError

HOME = Path(answers_code.exercises.__file__).parent


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    questions: tuple[str, ...]  # deck question ids, e.g. ("ch12-q05",)
    hints: tuple[str, ...]

    @property
    def folder(self) -> Path:
        return HOME / self.name.replace("-", "_")

    @property
    def filename(self) -> str:
        """The learner's file in the workspace."""
        return f"{self.folder.name}.py"

    @property
    def scaffold(self) -> str:
        """The text `start` writes."""
        return (self.folder / "scaffold.py").read_text(encoding="utf-8")

    @property
    def checks_module(self) -> str:
        """Imported only in the verify child process (it imports torch)."""
        return f"answers_code.exercises.{self.folder.name}.checks"


def _load() -> tuple[Exercise, ...]:
    entries = tomllib.loads((HOME / "order.toml").read_text(encoding="utf-8"))["exercise"]
    return tuple(Exercise(e["name"], e["title"], tuple(e["questions"]), tuple(e["hints"]))
                 for e in entries)


EXERCISES: tuple[Exercise, ...] = _load()
_BY_NAME = {exercise.name: exercise for exercise in EXERCISES}


def get_exercise(name: str) -> Exercise:
    """The exercise called `name`; a StudytoolError naming close matches otherwise."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    close = difflib.get_close_matches(name, list(_BY_NAME), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise StudytoolError(f"unknown exercise '{name}'{hint}; see `studytool exercise list`")


def solution_file(exercise: Exercise) -> Path:
    """The exercise's reference solution (read as text, never run here: the app shows it once
    the learner's own file passes)."""
    return exercise.folder / "solution.py"


def solution_text(exercise: Exercise) -> str:
    """The reference solution to show: its file, and the source of each answers_code module
    whose class it re-exports as the answer (`from answers_code.X import Y  # noqa: F401`:
    most references reuse the chapter's own answer code). Read as text, never imported."""
    text = solution_file(exercise).read_text(encoding="utf-8")
    root = HOME.parent
    parts = [text]
    for line in text.splitlines():
        words = line.split()
        if (len(words) >= 4 and words[0] == "from" and words[1].startswith("answers_code.")
                and line.rstrip().endswith("noqa: F401")):
            module = root.joinpath(*words[1].split(".")[1:]).with_suffix(".py")
            if module.is_file():
                parts.append(f"# ---- {words[1]} ({module.name}) ----\n"
                             + module.read_text(encoding="utf-8"))
    return "\n".join(parts)


def exercises_for_question(question_id: str) -> list[Exercise]:
    """The exercises that answer a deck question (the TUI shows them beside the card)."""
    return [exercise for exercise in EXERCISES if question_id in exercise.questions]
