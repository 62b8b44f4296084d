"""LMModel4: a prediction after every word (ch12-q15, q16, q17).

Predicting one word per three inputs wastes the signal (q15): here the input is a sequence of
16 words and the target is the same sequence shifted by one, so the output has one set of
scores per position, (bs, sl, vocab), and the loss flattens it to (bs*sl, vocab) against
(bs*sl,) targets (q16: `flat_cross_entropy` in the trainer). The state is detached once per
batch, so backpropagation runs through the 16 steps in between: unrolled, 16 layers sharing
one weight matrix, whose activations and gradients can explode or vanish, hence the unstable
training (q17; the depth comes from the steps between detaches, not from the extra targets).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from answers_code.models.state import carried


class LMModel4(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int) -> None:
        super().__init__()
        self.n_hidden = n_hidden
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.h_h = nn.Linear(n_hidden, n_hidden)
        self.h_o = nn.Linear(n_hidden, vocab_sz)
        self.h: Tensor | None = None

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, sl)
        emb = self.i_h(x)  # (bs, sl, n_hidden)
        h = carried(self.h, (x.shape[0], self.n_hidden), emb)
        outs = []
        for i in range(x.shape[1]):
            h = F.relu(self.h_h(h + emb[:, i]))  # (bs, n_hidden)
            outs.append(h)
        self.h = h.detach()
        # One output layer call for all positions: the same maths as calling it per step.
        return self.h_o(torch.stack(outs, dim=1))  # (bs, sl, vocab_sz)

    def reset(self) -> None:
        self.h = None
