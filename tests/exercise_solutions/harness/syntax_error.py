"""Wrong: does not parse."""

from torch import nn


class Dropout(nn.Module):
    def __init__(self, p)
        super().__init__()
