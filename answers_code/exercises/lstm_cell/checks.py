"""Checks for exercise `lstm-cell`: the chapter's LSTMCell computes what nn.LSTMCell computes.

The learner's four gates are Linear(ni + nh, nh) on cat([h, input]); nn.LSTMCell keeps the same
numbers as W_ih (4*nh, ni), W_hh (4*nh, nh) and two biases, gates stacked i, f, g, o. Loading
gate k with [W_hh_k | W_ih_k] and b_ih_k + b_hh_k makes the two comparable.
"""

from __future__ import annotations

import types
from itertools import permutations

import torch
from torch import Tensor, nn

from answers_code.exercises import rnn_variants as rv
from answers_code.exercises.common import expect_shape, expect_tuple, max_diff
from answers_code.exercises.harness import CheckList, Mistake

CHECKS = CheckList(names=("LSTMCell",))
GATES = ("input_gate", "forget_gate", "cell_gate", "output_gate")  # nn.LSTMCell's i, f, g, o
ROLES = {"i": "input", "f": "forget", "g": "cell", "o": "output"}
LAYERS = "four gates: Linear(ni + nh, nh)"
MATCH = "matches nn.LSTMCell step after step"
NI, NH = 3, 5


@CHECKS.check(LAYERS)
def gate_layers(mod: types.ModuleType) -> str:
    cell = mod.LSTMCell(NI, NH)
    for name in GATES:
        layer = getattr(cell, name, None)
        if not isinstance(layer, nn.Linear):
            raise Mistake(f"LSTMCell({NI}, {NH}) has no nn.Linear called {name}")
        if (layer.in_features, layer.out_features) != (NI + NH, NH) or layer.bias is None:
            raise Mistake(f"{name} is Linear({layer.in_features}, {layer.out_features}); each "
                          f"gate reads cat([h, input]): Linear(ni + nh, nh) = "
                          f"Linear({NI + NH}, {NH}) with a bias")
    return f"{', '.join(GATES)} are Linear({NI + NH}, {NH})"


def _cat_weights(ref: nn.LSTMCell) -> tuple[Tensor, Tensor]:
    """(4*nh, nh+ni) weights for cat([h, input]) and (4*nh,) biases, gates i, f, g, o."""
    weight = torch.cat([ref.weight_hh, ref.weight_ih], dim=1).detach()
    return weight, (ref.bias_ih + ref.bias_hh).detach()


def _load(cell: nn.Module, ref: nn.LSTMCell) -> None:
    weight, bias = _cat_weights(ref)
    with torch.no_grad():
        for name, w, b in zip(GATES, weight.chunk(4), bias.chunk(4), strict=True):
            getattr(cell, name).weight.copy_(w)
            getattr(cell, name).bias.copy_(b)


def _diagnose(ref: nn.LSTMCell, xs: Tensor, h0: Tensor, c0: Tensor, hs: Tensor) -> str:
    weight, bias = _cat_weights(ref)
    pres = {
        "": lambda x_t, h: torch.cat([h, x_t], dim=1) @ weight.T + bias,
        "you concatenate [input, h]; the weights expect cat([h, input]) (hidden state first)":
            lambda x_t, h: torch.cat([x_t, h], dim=1) @ weight.T + bias,
    }
    for cat_note, pre in pres.items():
        for order in permutations(rv.LSTM_ORDER):
            for slip in rv.LSTM_SLIPS:
                if not cat_note and order == rv.LSTM_ORDER and slip is None:
                    continue
                if max_diff(rv.lstm_run(xs, h0, c0, pre, order, slip)[0], hs) < 1e-4:
                    roles = [f"{GATES[k]} is used as the {ROLES[role]} gate"
                             for k, role in enumerate(order) if role != rv.LSTM_ORDER[k]]
                    mixed = "the gates are mixed up: " + ", ".join(roles) if roles else ""
                    return "; ".join(p for p in (cat_note, mixed, rv.LSTM_SLIPS[slip]) if p)
    return ("check sigmoid on the forget/input/output gates, tanh on the cell gate, "
            "c = c * forget + input * cell and h = output * tanh(c)")


@CHECKS.check(MATCH, needs=(LAYERS,))
def matches_torch(mod: types.ModuleType) -> str:
    cell, ref = mod.LSTMCell(NI, NH), nn.LSTMCell(NI, NH)
    _load(cell, ref)
    xs = torch.randn(4, 6, NI)  # (bs, steps, ni)
    h0, c0 = torch.randn(4, NH), torch.randn(4, NH)
    (h, c), (rh, rc), hs = (h0, c0), (h0, c0), []
    for t in range(xs.shape[1]):
        out, state = expect_tuple(cell(xs[:, t], (h, c)), 2, "LSTMCell.forward")
        h, c = expect_tuple(state, 2, "the state part of LSTMCell.forward's result, (h, c),")
        expect_shape(out, (4, NH), "the returned h")
        expect_shape(h, (4, NH), "h")
        expect_shape(c, (4, NH), "c")
        rh, rc = ref(xs[:, t], (rh, rc))
        hs.append(h)
        if max_diff(h, rh) > 1e-5 or max_diff(c, rc) > 1e-5:
            diff = max(max_diff(h, rh), max_diff(c, rc))
            note = _diagnose(ref, xs[:, : t + 1], h0, c0, torch.stack(hs, dim=1))
            raise Mistake(f"step {t}: differs from nn.LSTMCell by {diff:.2g} — {note}")
        if max_diff(out, h) > 0:
            raise Mistake("forward must return h, (h, c): the first h differs from the state's")
    return f"h and c match nn.LSTMCell for {xs.shape[1]} steps (to 1e-5)"


@CHECKS.check("gradients reach every gate", needs=(MATCH,))
def gradients(mod: types.ModuleType) -> str:
    cell = mod.LSTMCell(NI, NH)
    h, (_, c) = cell(torch.randn(2, NI), (torch.randn(2, NH), torch.randn(2, NH)))
    (h.sum() + c.sum()).backward()
    for name in GATES:
        grad = getattr(cell, name).weight.grad
        if grad is None or not grad.abs().sum() > 0:
            raise Mistake(f"{name} gets no gradient — is it detached or used through .data?")
    return "all four gates get gradients"
