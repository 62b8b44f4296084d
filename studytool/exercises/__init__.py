"""Learner exercises (rustlings-style): scaffold, verify in a child process, hints, progress.

Torch-free: each exercise is a folder of answers_code/exercises (scaffold.py, checks.py,
solution.py), listed in order in its order.toml; the checks run only in the verify child.
The TUI uses the same calls as the CLI:
- `EXERCISES` (ordered), `get_exercise(name)`, `exercises_for_question(question_id)`,
  `solution_file(ex)` (the reference solution, shown once the learner's file passes);
- `workspace.start(ex, dir)`, `workspace.existing_file(ex, dir)`,
  `workspace.editor_command(path)` (run it inside `App.suspend()`);
- `verify.verify_file(ex, path, on_event=..., stop=threading.Event())` from a thread worker:
  blocking, `on_event` gets each {"event": "plan"|"begin"|"check"|"end", ...} as it arrives,
  setting `stop` kills the child; returns a `VerifyResult` (checks: label, status, message);
- `watch.stamp(path)` / `watch.wait_for_change(path, since, stop=...)` for a watch mode
  (watchfiles: a save wakes it, no polling);
- `progress.load_all(db)`, `progress.record_verify(db, name, passed)`,
  `progress.record_hint(db, name, total)` on the one open `Database`.
"""

from studytool.exercises.catalogue import (
    EXERCISES,
    Exercise,
    exercises_for_question,
    get_exercise,
    solution_file,
)

__all__ = ["EXERCISES", "Exercise", "exercises_for_question", "get_exercise", "solution_file"]
