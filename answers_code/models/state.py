"""The hidden state the stateful models (LMModel3-7) carry from one batch to the next."""

from __future__ import annotations

import torch
from torch import Tensor


def carried(h: Tensor | None, shape: tuple[int, ...], like: Tensor) -> Tensor:
    """`h` if it still fits, else zeros of `shape` on `like`'s device and dtype.

    The book keeps `torch.zeros(n_layers, bs, n_hidden)` built from a global `bs` on the CPU: a
    last batch of another size, or `--device cuda`, then crashes. Here the state is sized from
    the batch and made where the batch lives; a batch of another size starts a fresh stream
    (its rows are not the continuation of the previous rows anyway).
    """
    if h is None or h.shape != shape or h.device != like.device:
        return torch.zeros(shape, device=like.device, dtype=like.dtype)
    return h


def carried_pair(
    h: tuple[Tensor, Tensor] | None, shape: tuple[int, ...], like: Tensor
) -> tuple[Tensor, Tensor]:
    """An LSTM's (hidden, cell) state, each as `carried` makes it."""
    hidden, cell = h if h is not None else (None, None)
    return carried(hidden, shape, like), carried(cell, shape, like)
