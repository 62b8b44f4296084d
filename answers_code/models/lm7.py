"""LMModel7: the AWD-LSTM recipe on the 2-layer LSTM (ch12-q31, ch12-fr4).

Three regularizations (q31): dropout on the LSTM's output, activation regularization (AR) and
temporal activation regularization (TAR), plus weight decay 0.1 (wd is set by the answer, not
here). AR and TAR need the LSTM's raw output and its dropped-out version, so `forward` returns
`(logits, raw, dropped)` and the trainer adds `alpha * dropped.pow(2).mean()` and
`beta * (raw[:, 1:] - raw[:, :-1]).pow(2).mean()` to the training loss. The output layer's
weight *is* the embedding's (weight tying): one (vocab_sz, n_hidden) tensor maps words to
activations and activations back to words. This is fastai's AWD-LSTM reduced to its core
(fr4): its embedding dropout and weight-dropped LSTM are left out, as in the chapter.
"""

from __future__ import annotations

from torch import Tensor, nn

from answers_code.models.state import carried_pair


class LMModel7(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int, n_layers: int, p: float) -> None:
        super().__init__()
        self.n_hidden, self.n_layers = n_hidden, n_layers
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.rnn = nn.LSTM(n_hidden, n_hidden, n_layers, batch_first=True)
        self.drop = nn.Dropout(p)
        self.h_o = nn.Linear(n_hidden, vocab_sz)
        self.h_o.weight = self.i_h.weight  # weight tying: one shared (vocab_sz, n_hidden) tensor
        self.h: tuple[Tensor, Tensor] | None = None

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:  # x: (bs, sl)
        emb = self.i_h(x)  # (bs, sl, n_hidden)
        shape = (self.n_layers, x.shape[0], self.n_hidden)
        state = carried_pair(self.h, shape, emb)  # each (n_layers, bs, n_hidden)
        raw, (h, c) = self.rnn(emb, state)  # raw: (bs, sl, n_hidden)
        dropped = self.drop(raw)  # (bs, sl, n_hidden)
        self.h = (h.detach(), c.detach())
        return self.h_o(dropped), raw, dropped  # logits: (bs, sl, vocab_sz)

    def reset(self) -> None:
        self.h = None
