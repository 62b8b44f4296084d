"""Learner exercises (rustlings-style): scaffold, verify in a child process, hints, progress.

Torch-free: the checks live in `answers_code.exercise_checks` and run only in the verify child.
The TUI uses the same calls as the CLI: `catalogue.EXERCISES`, `exercises_for_question`,
`workspace.start`, `verify.verify_file(..., on_event=...)`, `progress.*`.
"""

from studytool.exercises.catalogue import EXERCISES, Exercise, exercises_for_question, get_exercise

__all__ = ["EXERCISES", "Exercise", "exercises_for_question", "get_exercise"]
