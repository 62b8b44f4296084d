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

import torch
from torch import Tensor, nn

from answers_code.rnn_params import StackedRNNParams


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


def gru_layer(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
              b_hh: Tensor | None) -> tuple[Tensor, Tensor]:
    """One layer over all of x (bs, seq_len, ni): every step's input projection in one
    product before the loop, r and z in one sigmoid. `gru_step`'s arithmetic up to float
    rounding."""
    nh = h.shape[1]
    from_x = x @ w_ih.t()  # (bs, seq_len, 3*nh)
    if b_ih is not None:
        from_x = from_x + b_ih
    outs = []
    for gi in from_x.unbind(1):  # unbind: one stack in the backward pass (see lstm_layer)
        # b_hh + h @ w_hh.t() in one call (the bias stays inside: r multiplies it too)
        gh = h @ w_hh.t() if b_hh is None else torch.addmm(b_hh, h, w_hh.t())
        (i_rz, i_n), (h_rz, h_n) = gi.split((2 * nh, nh), 1), gh.split((2 * nh, nh), 1)
        r, z = torch.sigmoid(i_rz + h_rz).chunk(2, 1)
        n = torch.tanh(i_n + r * h_n)
        h = (1 - z) * n + z * h
        outs.append(h)
    return torch.stack(outs, dim=1), h


class GRUCell(nn.Module):
    """One GRU layer for one step, with an `ih` and an `hh` linear layer like the LSTM cell."""

    def __init__(self, ni: int, nh: int) -> None:
        super().__init__()
        self.ih = nn.Linear(ni, 3 * nh)
        self.hh = nn.Linear(nh, 3 * nh)

    def forward(self, input: Tensor, h: Tensor) -> Tensor:
        return gru_step(input, h, self.ih.weight, self.hh.weight, self.ih.bias, self.hh.bias)


class GRU(StackedRNNParams):
    """Multi-layer GRU: forward(x, h0=None) -> (output, h_n), parameters named as nn.GRU's.

    x is (bs, seq_len, input_size) when batch_first (the default), output is the last layer's
    h at every step and h_n is (num_layers, bs, hidden_size).
    """

    n_gates = 3

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        x = self.batch_first_input(x)
        if h0 is None:
            h0 = x.new_zeros(self.num_layers, x.shape[0], self.hidden_size)
        last = []
        for layer in range(self.num_layers):
            weights = self.layer_weights(layer)
            h = h0[layer]
            if self.inputs_first:
                x, h = gru_layer(x, h, *weights)
                last.append(h)
                continue
            outs = []
            for t in range(x.shape[1]):
                h = gru_step(x[:, t], h, *weights)
                outs.append(h)
            x = torch.stack(outs, dim=1)  # (bs, seq_len, nh): the next layer's input
            last.append(h)
        out = x if self.batch_first else x.transpose(0, 1)
        return out, torch.stack(last)
