"""Exercise lstm (fastbook chapter 12, further research 2).

Write a multi-layer LSTM from scratch with the contract of torch.nn.LSTM(batch_first=True):

- LSTM(input_size, hidden_size, num_layers=1, batch_first=True)
- parameters named and shaped as nn.LSTM's: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
  bias_hh_l{k}, so that lstm.load_state_dict(nn.LSTM(...).state_dict()) works
- forward(x, state=None): x (bs, sl, input_size); state = (h0, c0), each
  (num_layers, bs, hidden_size), zeros when None; returns (output, (h_n, c_n)) with output
  (bs, sl, hidden_size) from the last layer
- no nn.LSTM / nn.LSTMCell inside: loops over time steps and layers

Checks (studytool exercise verify lstm): parameter names and shapes, and after loading
nn.LSTM's state_dict the outputs match to 1e-5 for one and two layers, with and without an
initial state.
"""

import torch
from torch import nn


class LSTM(nn.Module):
    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, batch_first: bool = True
    ) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        raise NotImplementedError
