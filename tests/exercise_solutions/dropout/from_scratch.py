"""Correct: a Bernoulli mask, the survivors divided by 1 - p, identity in eval mode."""

from torch import nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        return x * x.new_empty(x.shape).bernoulli_(1 - self.p) / (1 - self.p)
