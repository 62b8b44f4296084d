"""Checks for the learner exercises of `studytool exercise` (they import torch).

One module per exercise defines `CHECKS` (a `harness.CheckList`). Only the verify child process
(`python -m answers_code.exercise_checks MODULE FILE`) imports them.
"""
