"""fastai's one-cycle schedule for the learning rate and the momentum (Adam's beta1).

`fit_one_cycle(n, lr)` in fastai: over the first `pct_start` (25%) of the steps the learning rate
rises from lr/div (lr/25) to lr along half a cosine, then falls along another to lr/div_final
(lr/1e5); the momentum does the opposite, moms[0] -> moms[1] -> moms[2] (0.95 -> 0.85 -> 0.95).
Step i of n uses position i/n, as fastai's ParamScheduler does, so the last step sits just short
of the end values.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def sched_cos(start: float, end: float, pos: float) -> float:
    """Half a cosine from `start` (pos 0) to `end` (pos 1)."""
    return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2


def combined_cos(pct: float, start: float, middle: float, end: float) -> Callable[[float], float]:
    """start -> middle over [0, pct), middle -> end over [pct, 1]."""

    def at(pos: float) -> float:
        if pos < pct:
            return sched_cos(start, middle, pos / pct)
        return sched_cos(middle, end, (pos - pct) / (1 - pct))

    return at


def one_cycle(
    lr: float,
    total_steps: int,
    moms: tuple[float, float, float] = (0.95, 0.85, 0.95),
    div: float = 25.0,
    div_final: float = 1e5,
    pct_start: float = 0.25,
) -> tuple[list[float], list[float]]:
    """(learning rates, momentums), one per step, computed once so a training step only reads a
    list."""
    lr_at = combined_cos(pct_start, lr / div, lr, lr / div_final)
    mom_at = combined_cos(pct_start, *moms)
    positions = [i / total_steps for i in range(total_steps)]
    return [lr_at(p) for p in positions], [mom_at(p) for p in positions]
