"""Exercise gru (fastbook chapter 12, further research 3).

Implement the GRU architecture from scratch with the contract of torch.nn.GRU(batch_first=True):

- GRU(input_size, hidden_size, num_layers=1, batch_first=True)
- parameters named and shaped as nn.GRU's: weight_ih_l{k} (3*hidden, in), weight_hh_l{k}
  (3*hidden, hidden), bias_ih_l{k}, bias_hh_l{k}, so load_state_dict(nn.GRU(...).state_dict())
  works
- forward(x, h0=None): x (bs, sl, input_size); h0 (num_layers, bs, hidden_size), zeros when
  None; returns (output, h_n): output (bs, sl, hidden_size) from the last layer, h_n
  (num_layers, bs, hidden_size)
- no nn.GRU / nn.GRUCell inside

Checks (studytool exercise verify gru): parameter names and shapes, and after loading nn.GRU's
state_dict the outputs match to 1e-5 for one and two layers, with and without h0.
"""

import torch
from torch import nn


class GRU(nn.Module):
    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, batch_first: bool = True
    ) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, h0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError
