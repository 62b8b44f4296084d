"""GRU from scratch with `torch.nn.GRU`'s contract (Further Research 3, ch12-fr3).

A GRU keeps one state h (no separate cell state) and two gates:
    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)        reset: how much of h the candidate sees
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)        update: how much of h to keep
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))     candidate state
    h' = (1 - z) * n + z * h
PyTorch stacks the gates in the order r, z, n in each weight, and applies r after the hidden
layer's bias (`r * (W_hn h + b_hn)`), which is why the ih and hh products stay separate here.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def gru_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:
    """One time step: x (bs, ni), h (bs, nh); weights (3*nh, ni), (3*nh, nh) in order r, z, n."""
    gi = x @ w_ih.t()  # (bs, 3*nh)
    gh = h @ w_hh.t()  # (bs, 3*nh)
    if b_ih is not None and b_hh is not None:
        gi, gh = gi + b_ih, gh + b_hh
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


class GRUCell(nn.Module):
    """One GRU layer for one step, with an `ih` and an `hh` linear layer like the LSTM cell."""

    def __init__(self, ni: int, nh: int) -> None:
        super().__init__()
        self.ih = nn.Linear(ni, 3 * nh)
        self.hh = nn.Linear(nh, 3 * nh)

    def forward(self, input: Tensor, h: Tensor) -> Tensor:
        return gru_step(input, h, self.ih.weight, self.hh.weight, self.ih.bias, self.hh.bias)


class GRU(nn.Module):
    """Multi-layer GRU: forward(x, h0=None) -> (output, h_n), parameters named as nn.GRU's.

    x is (bs, seq_len, input_size) when batch_first (the default), output is the last layer's
    h at every step and h_n is (num_layers, bs, hidden_size).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 batch_first: bool = True, bias: bool = True) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.batch_first, self.bias = num_layers, batch_first, bias
        for layer in range(num_layers):
            ni = input_size if layer == 0 else hidden_size
            self.register_parameter(f"weight_ih_l{layer}",
                                    nn.Parameter(torch.empty(3 * hidden_size, ni)))
            self.register_parameter(f"weight_hh_l{layer}",
                                    nn.Parameter(torch.empty(3 * hidden_size, hidden_size)))
            if bias:
                self.register_parameter(f"bias_ih_l{layer}",
                                        nn.Parameter(torch.empty(3 * hidden_size)))
                self.register_parameter(f"bias_hh_l{layer}",
                                        nn.Parameter(torch.empty(3 * hidden_size)))
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        # nn.GRU's initialisation: every weight and bias uniform in +-1/sqrt(hidden_size).
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            p.uniform_(-bound, bound)

    def layer_weights(self, layer: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        b_ih = getattr(self, f"bias_ih_l{layer}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}") if self.bias else None
        w_ih, w_hh = getattr(self, f"weight_ih_l{layer}"), getattr(self, f"weight_hh_l{layer}")
        return w_ih, w_hh, b_ih, b_hh

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if x.dim() != 3:
            raise ValueError(f"GRU expects a 3-d input (batch, seq, features), got {x.dim()}-d")
        if not self.batch_first:
            x = x.transpose(0, 1)  # work batch-first inside
        if h0 is None:
            h0 = x.new_zeros(self.num_layers, x.shape[0], self.hidden_size)
        last = []
        for layer in range(self.num_layers):
            weights = self.layer_weights(layer)
            h = h0[layer]
            outs = []
            for t in range(x.shape[1]):
                h = gru_step(x[:, t], h, *weights)
                outs.append(h)
            x = torch.stack(outs, dim=1)  # (bs, seq_len, nh): the next layer's input
            last.append(h)
        out = x if self.batch_first else x.transpose(0, 1)
        return out, torch.stack(last)
