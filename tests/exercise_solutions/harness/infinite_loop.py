"""Wrong: forward never returns."""

from torch import nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)

    def forward(self, x):
        while True:
            pass
