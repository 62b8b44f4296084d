"""Exercise dropout (fastbook chapter 12, questions 32, 33 and 34).

Write Dropout(p) from scratch (no nn.Dropout, no F.dropout):

- in eval mode the output is the input, unchanged;
- in training mode each activation is zeroed with probability p (a fresh mask every call) and
  the survivors are divided by 1 - p, so the expected value does not change;
- p outside [0, 1) raises ValueError when the module is created.

Checks (studytool exercise verify dropout): the ValueError, eval is the identity, about p of
the activations are zeroed, survivors are scaled by 1/(1-p), the mask changes between calls,
the input is left untouched and gradients flow through the kept activations.
"""

import torch
from torch import nn


class Dropout(nn.Module):
    def __init__(self, p: float) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
