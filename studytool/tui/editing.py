"""The learner's own files from any screen: an exercise's file, and the editor to open one in.

Each helper tells the learner, through the screen, why it could not do its part.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from studytool.tui.backend import error_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from textual.screen import Screen

    from studytool.exercises.catalogue import Exercise


def run_editor(screen: Screen[None], command: list[str], file: Path | None = None) -> bool:
    """Run `command` (the learner's editor) with the app suspended; False when it could not
    (no editor, or a terminal that cannot suspend), naming `file` so it can be opened by hand."""
    try:
        with screen.app.suspend():
            subprocess.run(command, check=False)
    except Exception as exc:
        where = f"; the file is {file}" if file is not None else ""
        screen.notify(f"cannot open the editor: {error_text(exc)}{where}", severity="error")
        return False
    screen.app.refresh()
    return True


def edit_exercise(screen: Screen[None], exercise: Exercise,
                  created: Callable[[Path], None] | None = None) -> None:
    """Write the exercise's scaffold if its file is new (then `created(path)`, before the
    editor opens), and open the file in the editor."""
    from studytool.errors import StudytoolError
    from studytool.exercises import workspace

    try:
        started = workspace.start(exercise)
        command = workspace.editor_command(started.path)
    except StudytoolError as exc:
        screen.notify(str(exc), severity="error")
        return
    if started.created:
        screen.notify(f"wrote {started.path}", timeout=4)
        if created is not None:
            created(started.path)
    run_editor(screen, command, started.path)


def started_file(screen: Screen[None], exercise: Exercise, missing: str) -> Path | None:
    """The exercise's file when the learner has started it; else None, after saying why
    (`missing` ends "No NAME.py yet: ...")."""
    from studytool.exercises import workspace

    try:
        path = workspace.exercise_file(exercise)
    except Exception as exc:
        screen.notify(error_text(exc), severity="error")
        return None
    if not path.is_file():
        screen.notify(f"No {path.name} yet: {missing}", severity="warning")
        return None
    return path
