"""Checks for exercise `lstm`: the learner's LSTM keeps the contract of torch.nn.LSTM."""

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

CHECKS, LOADS = torch_rnn_checks("LSTM")
TOL = 1e-5
ONE = "matches nn.LSTM, one layer"

State = tuple[Tensor, Tensor]


def _run(mine: nn.Module, x: Tensor, state: State | None, layers: int,
         nh: int) -> tuple[Tensor, Tensor, Tensor]:
    result = mine(x) if state is None else mine(x, state)
    out, hc = expect_tuple(result, 2, "LSTM.forward")
    h_n, c_n = expect_tuple(hc, 2, "the state part of LSTM.forward's result, (h_n, c_n),")
    bs, sl = x.shape[:2]
    return (expect_shape(out, (bs, sl, nh), "the output"),
            expect_shape(h_n, (layers, bs, nh), "h_n"), expect_shape(c_n, (layers, bs, nh), "c_n"))


def _diagnose(ref: nn.LSTM, x: Tensor, out: Tensor) -> str:
    w_ih, w_hh, b_ih, b_hh = rv.layer0_weights(ref)

    def pre(x_t: Tensor, h: Tensor) -> Tensor:
        return x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh

    zeros = torch.zeros(x.shape[0], ref.hidden_size)

    def run(order: tuple[str, ...], slip: str | None) -> Tensor:
        return rv.lstm_run(x, zeros, zeros, pre, order, slip)[0]

    found = rv.name_mistake(rv.LSTM_ORDER, rv.LSTM_SLIPS, "nn.LSTM", out, run)
    return found or ("check the gate order i, f, g, o, c = f * c + i * g and h = o * tanh(c), "
                     "with both biases added")


@CHECKS.check(ONE, needs=(LOADS,))
def one_layer(mod: types.ModuleType) -> str:
    ref, mine = torch_pair(mod, "LSTM", 5, 6, 1)
    x = torch.randn(3, 7, 5)
    out, h_n, c_n = _run(mine, x, None, 1, 6)
    want, (want_h, want_c) = ref(x)
    diff = max_diff(out, want)
    if diff > TOL:
        raise Mistake(f"output differs from nn.LSTM by {diff:.2g} — {_diagnose(ref, x, out)}")
    if max_diff(h_n, want_h) > TOL or max_diff(c_n, want_c) > TOL:
        raise Mistake("the output matches but h_n or c_n does not: return the last step's h "
                      "and c of each layer")
    return f"output, h_n and c_n match nn.LSTM (max difference {diff:.1e})"


@CHECKS.check("matches nn.LSTM, two layers, with (h0, c0)", needs=(ONE,))
def two_layers(mod: types.ModuleType) -> str:
    ref, mine = torch_pair(mod, "LSTM", 4, 6, 2)
    x = torch.randn(3, 5, 4)
    state = (torch.randn(2, 3, 6), torch.randn(2, 3, 6))
    out, h_n, c_n = _run(mine, x, state, 2, 6)
    want, (want_h, want_c) = ref(x, state)
    if max_diff(out, want) > TOL:
        raise Mistake(f"output differs from nn.LSTM by {max_diff(out, want):.2g} with 2 layers "
                      "and a given state — layer 1 reads layer 0's outputs, layer k starts from "
                      "h0[k], c0[k]")
    if max_diff(h_n, want_h) > TOL or max_diff(c_n, want_c) > TOL:
        raise Mistake("h_n or c_n differs from nn.LSTM's with 2 layers: stack each layer's last "
                      "h and c, layer 0 first")
    return "2 layers with (h0, c0): output, h_n and c_n match nn.LSTM"


add_gradient_check(CHECKS, "LSTM", needs=ONE)
