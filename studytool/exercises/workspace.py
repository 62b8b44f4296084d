"""The learner's workspace: where exercise files live, and writing a scaffold without ever
overwriting the learner's work."""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from studytool import config
from studytool.errors import StudytoolError
from studytool.exercises.catalogue import Exercise


def workspace_dir(given: str | Path | None = None) -> Path:
    """`--dir` when given, else the default workspace under the user data directory."""
    if given is None:
        return config.exercises_dir()
    path = Path(given).expanduser()
    if path.exists() and not path.is_dir():
        raise StudytoolError(f"{path} is not a directory")
    return path


def exercise_file(exercise: Exercise, workspace: str | Path | None = None) -> Path:
    return workspace_dir(workspace) / exercise.filename


@dataclass(frozen=True)
class Started:
    path: Path
    created: bool  # False: the file was already there and is left as it was


def start(exercise: Exercise, workspace: str | Path | None = None) -> Started:
    """Write the scaffold unless the learner's file already exists."""
    path = exercise_file(exercise, workspace)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # "x": never replace a file
            handle.write(exercise.scaffold)
    except FileExistsError:
        return Started(path, created=False)
    except OSError as exc:
        raise StudytoolError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return Started(path, created=True)


def reset(exercise: Exercise, workspace: str | Path | None = None) -> Path:
    """Put the scaffold back in the learner's file; their version is kept beside it as
    NAME.py.bak (returned). The scaffold is written whole, then renamed over the file."""
    path = existing_file(exercise, workspace)
    backup = path.with_name(path.name + ".bak")
    fresh = path.with_name(f".{path.name}.scaffold")
    try:
        shutil.copy2(path, backup)
        fresh.write_text(exercise.scaffold, encoding="utf-8")
        os.replace(fresh, path)
    except OSError as exc:
        fresh.unlink(missing_ok=True)
        raise StudytoolError(f"cannot reset {path}: {exc.strerror or exc}") from exc
    return backup


def existing_file(exercise: Exercise, workspace: str | Path | None = None) -> Path:
    """The learner's file for `verify`; a clear error when it has not been started."""
    path = exercise_file(exercise, workspace)
    if not path.is_file():
        where = f" --dir {workspace}" if workspace is not None else ""
        raise StudytoolError(f"no {exercise.filename} in {path.parent}; run "
                             f"`studytool exercise start {exercise.name}{where}` first")
    return path


def editor_command(path: Path, env: Mapping[str, str] | None = None) -> list[str]:
    """The command that opens `path` in the learner's editor: $VISUAL, then $EDITOR (both may
    carry arguments, e.g. "code --wait"), then nano or vi if installed."""
    env = os.environ if env is None else env
    for var in ("VISUAL", "EDITOR"):
        if env.get(var, "").strip():
            return [*shlex.split(env[var]), str(path)]
    for fallback in ("nano", "vi"):
        if shutil.which(fallback):
            return [fallback, str(path)]
    raise StudytoolError(f"no editor found: set $EDITOR, or open {path} yourself")
