"""Wrong: asks for far more memory than the check process may use."""

import torch
from torch import nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)

    def forward(self, x):
        torch.empty(2**31)  # 8 GiB of address space, never touched
        return x
