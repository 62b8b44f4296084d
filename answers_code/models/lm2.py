"""LMModel2: LMModel1 written as a loop, a recurrent neural network (ch12-q06, q07, q10).

The loop over the input words is the RNN (q06); `h` is its hidden state (q07). Drawn as the
three repeated layers LMModel1 spells out, it is the "unrolled" representation (q10: the
`unrolled` answer loads one's weights into the other and gets identical outputs).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


class LMModel2(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int) -> None:
        super().__init__()
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.h_h = nn.Linear(n_hidden, n_hidden)
        self.h_o = nn.Linear(n_hidden, vocab_sz)

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, n_words) token ids
        h: Tensor | int = 0  # broadcasts on the first addition (ch12-fr1)
        for i in range(x.shape[1]):  # the number of words comes from the batch, not a global
            h = h + self.i_h(x[:, i])  # (bs, n_hidden)
            h = F.relu(self.h_h(h))
        assert isinstance(h, Tensor), "LMModel2 needs at least one input word"
        return self.h_o(h)  # (bs, vocab_sz)
