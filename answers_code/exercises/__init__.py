"""The learner exercises of `studytool exercise`, one folder each, in the order of `order.toml`.

A folder is named like the learner's file (`gru/` for gru.py) and holds `scaffold.py` (what
`exercise start` writes), `checks.py` (its `CHECKS`, a `harness.CheckList`) and `solution.py`
(the reference shown once the learner's file passes). The app reads the scaffold and the
solution as text; only the verify child process (`python -m answers_code.exercises`) imports
the checks, which import torch. This package itself stays torch-free.
"""
