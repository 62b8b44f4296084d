"""The reference solution of each exercise, one file named like the learner's (`gru.py`...).

Read as text by the app (shown once the learner's own file passes) and run by the tests; never
imported by studytool (they import torch). `studytool.exercises.solution_file(ex)` finds them.
"""
