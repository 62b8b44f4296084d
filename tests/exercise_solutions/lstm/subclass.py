"""A plausible shortcut for exercise `lstm`: inherit nn.LSTM instead of writing the loop."""

from torch import nn


class LSTM(nn.LSTM):
    pass
