"""Checks for exercise `lstm`: the learner's LSTM keeps the contract of torch.nn.LSTM."""

from __future__ import annotations

import types

import torch
from torch import Tensor, nn

from answers_code.exercises import rnn_variants as rv
from answers_code.exercises.common import (
    check_loads_state_dict,
    check_parameter_names,
    expect_shape,
    expect_tuple,
    max_diff,
    torch_pair,
)
from answers_code.exercises.harness import CheckList, Mistake

CHECKS = CheckList(names=("LSTM",))
TOL = 1e-5
NAMES = "parameters named and shaped as nn.LSTM's"
LOADS = "loads nn.LSTM's state_dict"
ONE = "matches nn.LSTM, one layer"

State = tuple[Tensor, Tensor]


def _pair(mod: types.ModuleType, ni: int, nh: int, layers: int) -> tuple[nn.Module, nn.Module]:
    return torch_pair(mod, "LSTM", ni, nh, layers)


def _run(mine: nn.Module, x: Tensor, state: State | None, layers: int,
         nh: int) -> tuple[Tensor, Tensor, Tensor]:
    result = mine(x) if state is None else mine(x, state)
    out, hc = expect_tuple(result, 2, "LSTM.forward")
    h_n, c_n = expect_tuple(hc, 2, "the state part of LSTM.forward's result, (h_n, c_n),")
    bs, sl = x.shape[:2]
    return (expect_shape(out, (bs, sl, nh), "the output"),
            expect_shape(h_n, (layers, bs, nh), "h_n"), expect_shape(c_n, (layers, bs, nh), "c_n"))


def _diagnose(ref: nn.LSTM, x: Tensor, out: Tensor) -> str:
    w_ih, w_hh, b_ih, b_hh = (getattr(ref, f"{n}_l0").detach()
                              for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def pre(x_t: Tensor, h: Tensor) -> Tensor:
        return x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh

    zeros = torch.zeros(x.shape[0], ref.hidden_size)
    for order, slip in rv.variants(rv.LSTM_ORDER, rv.LSTM_SLIPS):
        if max_diff(rv.lstm_run(x, zeros, zeros, pre, order, slip)[0], out) < 1e-4:
            return rv.describe(rv.LSTM_ORDER, order, slip, rv.LSTM_SLIPS, "nn.LSTM")
    return ("check the gate order i, f, g, o, c = f * c + i * g and h = o * tanh(c), with both "
            "biases added")


@CHECKS.check(NAMES)
def parameter_names(mod: types.ModuleType) -> str:
    return check_parameter_names(mod, "LSTM")


@CHECKS.check(LOADS, needs=(NAMES,))
def loads_state_dict(mod: types.ModuleType) -> str:
    return check_loads_state_dict(mod, "LSTM")


@CHECKS.check(ONE, needs=(LOADS,))
def one_layer(mod: types.ModuleType) -> str:
    ref, mine = _pair(mod, 5, 6, 1)
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
    ref, mine = _pair(mod, 4, 6, 2)
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


@CHECKS.check("gradients match nn.LSTM's", needs=(ONE,))
def gradients(mod: types.ModuleType) -> str:
    ref, mine = _pair(mod, 4, 5, 1)
    x = torch.randn(2, 4, 4)
    mine(x)[0].pow(2).sum().backward()
    ref(x)[0].pow(2).sum().backward()
    for name, param in mine.named_parameters():
        if param.grad is None:
            raise Mistake(f"{name} gets no gradient — is it used through .data or detached?")
        ref_grad = dict(ref.named_parameters())[name].grad
        assert ref_grad is not None
        diff = max_diff(param.grad, ref_grad)
        if diff > 1e-4:
            raise Mistake(f"the gradient of {name} differs from nn.LSTM's by {diff:.2g}")
    return "every parameter's gradient matches nn.LSTM's"
