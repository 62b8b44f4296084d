"""LMModel1: three words in, the fourth out (ch12-q03, ch12-q04, ch12-q08).

A plain fully connected network with two tweaks (q03): the first layer is used for every input
word, each word's embedding added to the activations, and the hidden-to-hidden layer is one
`nn.Linear` called three times, so its weights are shared (q04). The activations `h` carried
from word to word are the hidden state (q08).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


class LMModel1(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int) -> None:
        super().__init__()
        self.i_h = nn.Embedding(vocab_sz, n_hidden)  # input word -> hidden
        self.h_h = nn.Linear(n_hidden, n_hidden)  # hidden -> hidden, shared by all 3 steps
        self.h_o = nn.Linear(n_hidden, vocab_sz)  # hidden -> next-word scores

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, 3) token ids
        h = F.relu(self.h_h(self.i_h(x[:, 0])))  # (bs, n_hidden)
        h = h + self.i_h(x[:, 1])
        h = F.relu(self.h_h(h))
        h = h + self.i_h(x[:, 2])
        h = F.relu(self.h_h(h))
        return self.h_o(h)  # (bs, vocab_sz)
