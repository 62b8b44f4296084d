"""Correct: the book's LSTMCell, four gate layers on the concatenation [h, input]."""

import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, ni, nh):
        super().__init__()
        self.forget_gate = nn.Linear(ni + nh, nh)
        self.input_gate = nn.Linear(ni + nh, nh)
        self.cell_gate = nn.Linear(ni + nh, nh)
        self.output_gate = nn.Linear(ni + nh, nh)

    def forward(self, input, state):
        h, c = state
        both = torch.cat([h, input], dim=1)
        c = c * torch.sigmoid(self.forget_gate(both))
        c = c + torch.sigmoid(self.input_gate(both)) * torch.tanh(self.cell_gate(both))
        h = torch.sigmoid(self.output_gate(both)) * torch.tanh(c)
        return h, (h, c)
