"""LMModel6: a 2-layer LSTM (ch12-q30).

The cell state is updated by addition (`c = f * c + i * g`), so the gradient flowing back
through it is scaled by the forget gate at each step rather than multiplied by a weight matrix:
it does not vanish over the steps of a batch the way a plain RNN's does. That keeps training
stable at a higher learning rate than LMModel5's: 1e-2 instead of 3e-3 (q30; the `higher-lr`
answer trains both at 1e-2). It does not rule out exploding gradients, which is why AWD-LSTM
still clips them.
"""

from __future__ import annotations

from torch import Tensor, nn

from answers_code.models.state import carried_pair


class LMModel6(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int, n_layers: int) -> None:
        super().__init__()
        self.n_hidden, self.n_layers = n_hidden, n_layers
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.rnn = nn.LSTM(n_hidden, n_hidden, n_layers, batch_first=True)
        self.h_o = nn.Linear(n_hidden, vocab_sz)
        self.h: tuple[Tensor, Tensor] | None = None  # (hidden, cell), each (n_layers, bs, n_hidden)

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, sl)
        emb = self.i_h(x)  # (bs, sl, n_hidden)
        shape = (self.n_layers, x.shape[0], self.n_hidden)
        state = carried_pair(self.h, shape, emb)  # each (n_layers, bs, n_hidden)
        res, (h, c) = self.rnn(emb, state)  # res: (bs, sl, n_hidden)
        self.h = (h.detach(), c.detach())
        return self.h_o(res)  # (bs, sl, vocab_sz)

    def reset(self) -> None:
        self.h = None
