"""Exercise lstm-cell (fastbook chapter 12, questions 24, 27 and 29).

Write the chapter's LSTMCell: four gates, each an nn.Linear(ni + nh, nh) applied to
torch.cat([h, input], dim=1) (the hidden state first, then the input).

- forget_gate, input_gate, output_gate: sigmoid; cell_gate: tanh
- c = c * forget + input * cell;  h = output * tanh(c)
- forward(input, state) with input (bs, ni) and state = (h, c), each (bs, nh),
  returns h, (h, c)

Checks (studytool exercise verify lstm-cell): the four gates have the right names and sizes,
and given the same weights your cell computes what torch.nn.LSTMCell computes, step after step.
"""

import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, ni: int, nh: int) -> None:
        super().__init__()
        # self.forget_gate = ...  (and input_gate, cell_gate, output_gate)
        raise NotImplementedError

    def forward(
        self, input: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        raise NotImplementedError
