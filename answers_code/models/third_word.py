"""The third word from the two before it, without peeking (ch12-q05).

"Without peeking" is a property of the data as much as the model: each sample's inputs are
words i and i+1 and its target is word i+2, which never appears among the inputs (the windows
do not overlap their own target; `answers_code.data.windows(nums, 2)`). The model is LMModel2's
loop: it sees only `x`, one word at a time.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


class ThirdWordModel(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int) -> None:
        super().__init__()
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.h_h = nn.Linear(n_hidden, n_hidden)
        self.h_o = nn.Linear(n_hidden, vocab_sz)

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, 2): the first and second word
        h = F.relu(self.h_h(self.i_h(x[:, 0])))  # (bs, n_hidden): after word 1
        h = F.relu(self.h_h(h + self.i_h(x[:, 1])))  # after word 2
        return self.h_o(h)  # (bs, vocab_sz): scores for word 3
