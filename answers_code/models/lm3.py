"""LMModel3: the hidden state kept across batches, detached (ch12-q09, q11, q12, q14).

The state only means something if batch i+1 continues the text of batch i row by row, hence
`group_chunks` and no shuffling (q09). Keeping the state but not its history (`detach`) stops
the gradient at the batch boundary, so it runs through the last three steps only (the book's
"last three layers of gradients"): without it, each backward pass would run through every
batch seen so far, ever slower and larger (q11; the `detach` answer measures it); this is
truncated backpropagation through time (q12). `reset` empties the state at the start of each
epoch and of validation, which the trainer's `reset=True` does as fastai's ModelResetter
callback (q14).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from answers_code.models.state import carried


class LMModel3(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int) -> None:
        super().__init__()
        self.n_hidden = n_hidden
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.h_h = nn.Linear(n_hidden, n_hidden)
        self.h_o = nn.Linear(n_hidden, vocab_sz)
        self.h: Tensor | None = None  # (bs, n_hidden) once a batch has been seen

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, n_words)
        emb = self.i_h(x)  # (bs, n_words, n_hidden)
        h = carried(self.h, (x.shape[0], self.n_hidden), emb)
        for i in range(x.shape[1]):
            h = F.relu(self.h_h(h + emb[:, i]))  # (bs, n_hidden)
        self.h = h.detach()  # keep the values, drop the history
        return self.h_o(h)  # (bs, vocab_sz)

    def reset(self) -> None:
        self.h = None
