"""Exercise ar-tar (fastbook chapter 12, questions 37 and 38).

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
