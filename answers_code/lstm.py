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

import torch
from torch import Tensor, nn

from answers_code.rnn_params import StackedRNNParams

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


def lstm_layer(x: Tensor, state: State, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
               b_hh: Tensor | None) -> tuple[Tensor, State]:
    """One layer over all of x (bs, seq_len, ni): the refactor carried one step further.

    The input's share of the gates does not depend on h, so one product computes it (and both
    biases) for every step before the loop; inside it only h @ w_hh is left. The same
    arithmetic as `lstm_step` up to float rounding (the order of the sums differs).
    """
    h, c = state
    from_x = x @ w_ih.t()  # (bs, seq_len, 4*nh): every step's input projection at once
    if b_ih is not None and b_hh is not None:
        from_x = from_x + (b_ih + b_hh)
    outs = []
    # unbind, not from_x[:, t]: its backward is one stack, where indexing would write each
    # step's gradient into a zero tensor of the whole sequence's size.
    for step in from_x.unbind(1):
        gates = torch.addmm(step, h, w_hh.t())  # step + h @ w_hh.t() in one call: (bs, 4*nh)
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs, dim=1), (h, c)


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


class LSTM(StackedRNNParams):
    """Multi-layer LSTM with `torch.nn.LSTM`'s parameter names, shapes and call contract.

    forward(x, state=None) -> (output, (h_n, c_n)); x is (bs, seq_len, input_size) when
    batch_first (the default here, as the chapter's models use it), output is the last layer's h
    at every step, h_n and c_n are (num_layers, bs, hidden_size).
    """

    n_gates = 4

    def forward(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        x = self.batch_first_input(x)
        bs = x.shape[0]
        if state is None:
            zeros = x.new_zeros(self.num_layers, bs, self.hidden_size)
            state = (zeros, zeros)
        h0, c0 = state
        hs, cs = [], []
        for layer in range(self.num_layers):
            weights = self.layer_weights(layer)
            h, c = h0[layer], c0[layer]
            if self.inputs_first:
                x, (h, c) = lstm_layer(x, (h, c), *weights)
                hs.append(h)
                cs.append(c)
                continue
            outs = []
            for t in range(x.shape[1]):
                h, c = lstm_step(x[:, t], (h, c), *weights)
                outs.append(h)
            x = torch.stack(outs, dim=1)  # (bs, seq_len, nh): the next layer's input
            hs.append(h)
            cs.append(c)
        out = x if self.batch_first else x.transpose(0, 1)
        return out, (torch.stack(hs), torch.stack(cs))
