"""Checks for exercise `gru`: the learner's GRU keeps the contract of torch.nn.GRU."""

from __future__ import annotations

import types

import torch
from torch import Tensor, nn

from answers_code.exercises import rnn_variants as rv
from answers_code.exercises.common import (
    add_gradient_check,
    expect_shape,
    expect_tuple,
    max_diff,
    torch_pair,
    torch_rnn_checks,
)
from answers_code.exercises.harness import Mistake

CHECKS, LOADS = torch_rnn_checks("GRU")
TOL = 1e-5
ONE = "matches nn.GRU, one layer"


def _run(mine: nn.Module, x: Tensor, h0: Tensor | None, layers: int, nh: int) -> tuple[Tensor,
                                                                                       Tensor]:
    result = mine(x) if h0 is None else mine(x, h0)
    out, h_n = expect_tuple(result, 2, "GRU.forward")
    bs, sl = x.shape[:2]
    out = expect_shape(out, (bs, sl, nh), "the output")
    h_n = expect_shape(h_n, (layers, bs, nh), "h_n")
    return out, h_n


def _diagnose(ref: nn.GRU, x: Tensor, out: Tensor) -> str:
    weights = rv.layer0_weights(ref)
    h = torch.zeros(x.shape[0], ref.hidden_size)
    found = rv.name_mistake(rv.GRU_ORDER, rv.GRU_SLIPS, "nn.GRU", out,
                            lambda order, slip: rv.gru_run(x, h, *weights, order, slip))
    return found or ("check the gate order r, z, n and n = tanh(W_in x + b_in + r * (W_hn h + "
                     "b_hn)), h = (1 - z) * n + z * h")


@CHECKS.check(ONE, needs=(LOADS,))
def one_layer(mod: types.ModuleType) -> str:
    ref, mine = torch_pair(mod, "GRU", 5, 6, 1)
    x = torch.randn(3, 7, 5)
    out, h_n = _run(mine, x, None, 1, 6)
    want, want_h = ref(x)
    diff = max(max_diff(out, want), max_diff(h_n, want_h))
    if diff > TOL:
        raise Mistake(f"output differs from nn.GRU by {diff:.2g} — {_diagnose(ref, x, out)}")
    return f"output and h_n match nn.GRU (max difference {diff:.1e})"


@CHECKS.check("matches nn.GRU, two layers, with h0", needs=(ONE,))
def two_layers(mod: types.ModuleType) -> str:
    ref, mine = torch_pair(mod, "GRU", 4, 6, 2)
    x, h0 = torch.randn(3, 5, 4), torch.randn(2, 3, 6)
    out, h_n = _run(mine, x, h0, 2, 6)
    want, want_h = ref(x, h0)
    diff_h = max_diff(h_n, want_h)
    if max_diff(out, want) > TOL:
        raise Mistake(f"output differs from nn.GRU by {max_diff(out, want):.2g} with 2 layers — "
                      "layer 1 must read layer 0's outputs, each layer starting from its own h0")
    if diff_h > TOL:
        raise Mistake(f"h_n differs from nn.GRU by {diff_h:.2g} — h_n holds each layer's last "
                      "hidden state, layer 0 first")
    return "2 layers with h0: output and h_n match nn.GRU"


add_gradient_check(CHECKS, "GRU", needs=ONE)
