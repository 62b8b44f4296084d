'''The files `studytool exercise start` writes: the task, the signature, NotImplementedError.

Each scaffold imports fine and defines the names the checks look for, so an untouched scaffold
verifies as "not implemented yet" rather than as a broken file.
'''

THIRD_WORD = '''"""Exercise third-word (fastbook chapter 12, question 5).

Write a module that predicts the third word given the previous two words of a sentence,
without peeking. Two parts:

third_word_samples(nums): from a stream of word ids nums (n,), the training samples
x (n_samples, 2), two consecutive words, and y (n_samples,), the word right after them.
No peeking: a sample's target is never one of its own inputs.

ThirdWordModel(vocab_sz, n_hidden): forward(x) reads x (bs, 2) and returns the scores for the
third word, (bs, vocab_sz). (A model that predicts after every word may return
(bs, 2, vocab_sz) instead, the last position being the third word; then the prediction after
word 1 must not depend on word 2.)

Checks (studytool exercise verify third-word):
- the samples: consecutive pairs, each with the word that follows, never its own input;
- the output shape, and no peeking in a model that predicts after every word;
- the prediction of the third word uses both previous words;
- a short training run on Human Numbers beats the baseline (always "thousand": 0.1517).
"""

import torch
from torch import nn


def third_word_samples(nums: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # nums: (n,) word ids -> x (n_samples, 2), y (n_samples,)
    raise NotImplementedError


class ThirdWordModel(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (bs, 2) word ids -> (bs, vocab_sz) scores for the third word
        raise NotImplementedError
'''

LSTM_CELL = '''"""Exercise lstm-cell (fastbook chapter 12, questions 24, 27 and 29).

Write the chapter's LSTMCell: four gates, each an nn.Linear(ni + nh, nh) applied to
torch.cat([h, input], dim=1) (the hidden state first, then the input).

- forget_gate, input_gate, output_gate: sigmoid; cell_gate: tanh
- c = c * forget + input * cell;  h = output * tanh(c)
- forward(input, state) with input (bs, ni) and state = (h, c), each (bs, nh),
  returns h, (h, c)

Checks (studytool exercise verify lstm-cell): the four gates have the right names and sizes,
and given the same weights your cell computes what torch.nn.LSTMCell computes, step after step.
"""

import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, ni: int, nh: int) -> None:
        super().__init__()
        # self.forget_gate = ...  (and input_gate, cell_gate, output_gate)
        raise NotImplementedError

    def forward(
        self, input: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        raise NotImplementedError
'''

DROPOUT = '''"""Exercise dropout (fastbook chapter 12, questions 32, 33 and 34).

Write Dropout(p) from scratch (no nn.Dropout, no F.dropout):

- in eval mode the output is the input, unchanged;
- in training mode each activation is zeroed with probability p (a fresh mask every call) and
  the survivors are divided by 1 - p, so the expected value does not change;
- p outside [0, 1) raises ValueError when the module is created.

Checks (studytool exercise verify dropout): the ValueError, eval is the identity, about p of
the activations are zeroed, survivors are scaled by 1/(1-p), the mask changes between calls,
the input is left untouched and gradients flow through the kept activations.
"""

import torch
from torch import nn


class Dropout(nn.Module):
    def __init__(self, p: float) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
'''

AR_TAR = '''"""Exercise ar-tar (fastbook chapter 12, questions 37 and 38).

Write the two penalties AWD-LSTM adds to the loss. `acts` are RNN activations of shape
(bs, sl, n_hidden): batch, time, features.

- ar_penalty(acts, alpha): activation regularization, alpha times the mean of the squared
  activations (it keeps activations small).
- tar_penalty(acts, beta): temporal activation regularization, beta times the mean of the
  squared difference between consecutive time steps (it keeps activations from jumping).

Both return a scalar tensor that gradients flow through.

Checks (studytool exercise verify ar-tar): values against the definitions on tensors of several
shapes, the axis TAR differences along, scalars, gradients.
"""

import torch


def ar_penalty(acts: torch.Tensor, alpha: float) -> torch.Tensor:
    raise NotImplementedError


def tar_penalty(acts: torch.Tensor, beta: float) -> torch.Tensor:
    raise NotImplementedError
'''

WEIGHT_TYING = '''"""Exercise weight-tying (fastbook chapter 12, questions 39 and 4).

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
'''

LSTM = '''"""Exercise lstm (fastbook chapter 12, further research 2).

Write a multi-layer LSTM from scratch with the contract of torch.nn.LSTM(batch_first=True):

- LSTM(input_size, hidden_size, num_layers=1, batch_first=True)
- parameters named and shaped as nn.LSTM's: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
  bias_hh_l{k}, so that lstm.load_state_dict(nn.LSTM(...).state_dict()) works
- forward(x, state=None): x (bs, sl, input_size); state = (h0, c0), each
  (num_layers, bs, hidden_size), zeros when None; returns (output, (h_n, c_n)) with output
  (bs, sl, hidden_size) from the last layer
- no nn.LSTM / nn.LSTMCell inside: loops over time steps and layers

Checks (studytool exercise verify lstm): parameter names and shapes, and after loading
nn.LSTM's state_dict the outputs match to 1e-5 for one and two layers, with and without an
initial state.
"""

import torch
from torch import nn


class LSTM(nn.Module):
    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, batch_first: bool = True
    ) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        raise NotImplementedError
'''

GRU = '''"""Exercise gru (fastbook chapter 12, further research 3).

Implement the GRU architecture from scratch with the contract of torch.nn.GRU(batch_first=True):

- GRU(input_size, hidden_size, num_layers=1, batch_first=True)
- parameters named and shaped as nn.GRU's: weight_ih_l{k} (3*hidden, in), weight_hh_l{k}
  (3*hidden, hidden), bias_ih_l{k}, bias_hh_l{k}, so load_state_dict(nn.GRU(...).state_dict())
  works
- forward(x, h0=None): x (bs, sl, input_size); h0 (num_layers, bs, hidden_size), zeros when
  None; returns (output, h_n): output (bs, sl, hidden_size) from the last layer, h_n
  (num_layers, bs, hidden_size)
- no nn.GRU / nn.GRUCell inside

Checks (studytool exercise verify gru): parameter names and shapes, and after loading nn.GRU's
state_dict the outputs match to 1e-5 for one and two layers, with and without h0.
"""

import torch
from torch import nn


class GRU(nn.Module):
    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, batch_first: bool = True
    ) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, h0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError
'''
