"""LMModel5: a stacked (multilayer) RNN, PyTorch's `nn.RNN` with 2 layers (ch12-q18, q19, q20).

The unrolled RNN is deep in time, but every step is the same single layer: stacking gives each
step more than one layer of computation (q18). In the stacked drawing, layer 2's input at step t
is layer 1's output at step t, and each layer carries its own hidden state (q19). Deeper is not
easier to train: through 16 steps and 2 layers a plain RNN's activations and gradients explode
or vanish, and in practice this 2-layer model scores worse than LMModel4 (the chapter's lesson;
q20's `longer-bptt` answer shows the same for longer chains in time).
"""

from __future__ import annotations

from torch import Tensor, nn

from answers_code.models.state import carried


class LMModel5(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int, n_layers: int) -> None:
        super().__init__()
        self.n_hidden, self.n_layers = n_hidden, n_layers
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.rnn = nn.RNN(n_hidden, n_hidden, n_layers, batch_first=True)
        self.h_o = nn.Linear(n_hidden, vocab_sz)
        self.h: Tensor | None = None  # (n_layers, bs, n_hidden)

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, sl)
        emb = self.i_h(x)  # (bs, sl, n_hidden)
        h0 = carried(self.h, (self.n_layers, x.shape[0], self.n_hidden), emb)
        res, h = self.rnn(emb, h0)  # res: (bs, sl, n_hidden), h: (n_layers, bs, n_hidden)
        self.h = h.detach()
        return self.h_o(res)  # (bs, sl, vocab_sz)

    def reset(self) -> None:
        self.h = None
