"""Dropout from scratch (ch12-q32, q33, q34).

In training, each activation is zeroed with probability p and the survivors are divided by
1 - p, so the expected value of every activation is unchanged; at inference nothing is dropped
and nothing is scaled (`if not self.training: return x`), which is why the scaling happens
during training only.
"""

from __future__ import annotations

import math

from torch import Tensor, nn


class Dropout(nn.Module):
    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, int | float) or math.isnan(p) \
                or not 0 <= p < 1:
            raise ValueError(f"dropout probability must be in [0, 1), got {p!r}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training:
            return x
        # A mask of ones kept with probability 1-p, pre-scaled so the mean is preserved.
        mask = x.new_empty(x.shape).bernoulli_(1 - self.p)
        return x * mask.div_(1 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"
