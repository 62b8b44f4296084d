"""A plausible shortcut for exercise `gru`: inherit nn.GRU instead of writing the loop."""

from torch import nn


class GRU(nn.GRU):
    pass
