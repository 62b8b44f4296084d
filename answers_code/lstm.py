"""LSTM from scratch: the book's cell, its refactoring, and a multi-layer LSTM like nn.LSTM.

Questions: ch12-q24, q25 (two states: the cell state c carries long-term memory, the hidden
state h is the output and short-term memory), q27 (`torch.cat([h, input])` lets one linear
layer per gate see both), q29 (the refactoring), fr2 (an LSTM from scratch).

Gate order. The book's cell names its gates forget, input, cell, output; its refactored cell
chunks them as (input, forget, output, cell). Which slice of the big matrix holds which gate is
only a convention, so here the refactored cell and `LSTM` use PyTorch's order
(input, forget, cell `g`, output): that is what lets `LSTM` load a `torch.nn.LSTM` state_dict.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

State = tuple[Tensor, Tensor]  # (h, c), each (bs, n_hidden)


class LSTMCell(nn.Module):
    """The book's LSTM cell: four gate layers, each reading `cat([h, input])`."""

    def __init__(self, ni: int, nh: int) -> None:
        super().__init__()
        self.ni, self.nh = ni, nh
        self.forget_gate = nn.Linear(nh + ni, nh)
        self.input_gate = nn.Linear(nh + ni, nh)
        self.cell_gate = nn.Linear(nh + ni, nh)
        self.output_gate = nn.Linear(nh + ni, nh)

    def forward(self, input: Tensor, state: State) -> tuple[Tensor, State]:
        h, c = state
        h = torch.cat([h, input], dim=1)  # (bs, nh+ni): every gate sees both
        forget = torch.sigmoid(self.forget_gate(h))
        c = c * forget  # forget part of the long-term memory
        inp = torch.sigmoid(self.input_gate(h))
        cell = torch.tanh(self.cell_gate(h))
        c = c + inp * cell  # write new information into it
        out = torch.sigmoid(self.output_gate(h))
        h = out * torch.tanh(c)  # read the next hidden state out of it
        return h, (h, c)


def lstm_step(x: Tensor, state: State, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None, b_hh: Tensor | None) -> State:
    """One time step: x (bs, ni), weights (4*nh, ni) and (4*nh, nh) in order i, f, g, o."""
    h, c = state
    gates = x @ w_ih.t() + h @ w_hh.t()  # (bs, 4*nh): all four gates in one product each
    if b_ih is not None and b_hh is not None:
        gates = gates + b_ih + b_hh
    i, f, g, o = gates.chunk(4, 1)  # four (bs, nh) slices
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    return h, c


class LSTMCellRefactored(nn.Module):
    """The refactored cell: one `ih` and one `hh` layer computing all gates, split by chunk."""

    def __init__(self, ni: int, nh: int) -> None:
        super().__init__()
        self.ni, self.nh = ni, nh
        self.ih = nn.Linear(ni, 4 * nh)
        self.hh = nn.Linear(nh, 4 * nh)

    def forward(self, input: Tensor, state: State) -> tuple[Tensor, State]:
        h, c = lstm_step(input, state, self.ih.weight, self.hh.weight, self.ih.bias, self.hh.bias)
        return h, (h, c)


@torch.no_grad()
def refactored_from_cell(cell: LSTMCell) -> LSTMCellRefactored:
    """A refactored cell holding exactly `cell`'s weights (why the two compute the same thing).

    Each gate layer of the book's cell has a (nh, nh+ni) weight: its first nh columns multiply
    h, the rest multiply the input. Stacking the four gates' column blocks gives `hh` and `ih`.
    """
    ref = LSTMCellRefactored(cell.ni, cell.nh).to(cell.forget_gate.weight.device)
    gates = (cell.input_gate, cell.forget_gate, cell.cell_gate, cell.output_gate)  # i, f, g, o
    nh = cell.nh
    ref.hh.weight.copy_(torch.cat([g.weight[:, :nh] for g in gates]))
    ref.ih.weight.copy_(torch.cat([g.weight[:, nh:] for g in gates]))
    ref.ih.bias.copy_(torch.cat([g.bias for g in gates]))
    ref.hh.bias.zero_()  # one bias per gate in the book's cell: ih carries it
    return ref


class LSTM(nn.Module):
    """Multi-layer LSTM with `torch.nn.LSTM`'s parameter names, shapes and call contract.

    forward(x, state=None) -> (output, (h_n, c_n)); x is (bs, seq_len, input_size) when
    batch_first (the default here, as the chapter's models use it), output is the last layer's h
    at every step, h_n and c_n are (num_layers, bs, hidden_size).
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
                                    nn.Parameter(torch.empty(4 * hidden_size, ni)))
            self.register_parameter(f"weight_hh_l{layer}",
                                    nn.Parameter(torch.empty(4 * hidden_size, hidden_size)))
            if bias:
                self.register_parameter(f"bias_ih_l{layer}",
                                        nn.Parameter(torch.empty(4 * hidden_size)))
                self.register_parameter(f"bias_hh_l{layer}",
                                        nn.Parameter(torch.empty(4 * hidden_size)))
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        # nn.LSTM's initialisation: every weight and bias uniform in +-1/sqrt(hidden_size).
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            p.uniform_(-bound, bound)

    def layer_weights(self, layer: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        b_ih = getattr(self, f"bias_ih_l{layer}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}") if self.bias else None
        w_ih, w_hh = getattr(self, f"weight_ih_l{layer}"), getattr(self, f"weight_hh_l{layer}")
        return w_ih, w_hh, b_ih, b_hh

    def forward(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        if x.dim() != 3:
            raise ValueError(f"LSTM expects a 3-d input (batch, seq, features), got {x.dim()}-d")
        if not self.batch_first:
            x = x.transpose(0, 1)  # work batch-first inside
        bs = x.shape[0]
        if state is None:
            zeros = x.new_zeros(self.num_layers, bs, self.hidden_size)
            state = (zeros, zeros)
        h0, c0 = state
        hs, cs = [], []
        for layer in range(self.num_layers):
            weights = self.layer_weights(layer)
            h, c = h0[layer], c0[layer]
            outs = []
            for t in range(x.shape[1]):
                h, c = lstm_step(x[:, t], (h, c), *weights)
                outs.append(h)
            x = torch.stack(outs, dim=1)  # (bs, seq_len, nh): the next layer's input
            hs.append(h)
            cs.append(c)
        out = x if self.batch_first else x.transpose(0, 1)
        return out, (torch.stack(hs), torch.stack(cs))
