"""Exercise weight-tying (fastbook chapter 12, questions 39 and 4).

Write LMModel7 of the chapter: an embedding i_h, a multi-layer nn.LSTM (batch_first), dropout
and an output layer h_o = nn.Linear(n_hidden, vocab_sz) whose weight IS the embedding's weight
(one tensor, shared, not a copy).

- LMModel7(vocab_sz, n_hidden, n_layers, p)
- forward(x) with x (bs, sl) word ids returns (logits, raw, out): logits (bs, sl, vocab_sz),
  raw the LSTM's output before dropout and out after dropout, both (bs, sl, n_hidden)
- the hidden state is kept between batches and detached after each forward (as LMModel6);
  reset() zeroes it. The checks use batches of 64 sequences.

Checks (studytool exercise verify weight-tying): shapes, the output layer shares the
embedding's weight tensor, the hidden state carries over between batches (reset() clears it),
and a second batch trains without backpropagating into the first.
"""

import torch
from torch import nn


class LMModel7(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int, n_layers: int, p: float) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError
