"""Plausible wrong versions of the LSTM and GRU equations, to name a learner's mistake.

When a learner's module disagrees with PyTorch, the checks recompute the layer with each variant
below (gate order permuted, a known slip in the equations) from the same weights; the variant
that reproduces the learner's output names the mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import permutations

import torch
from torch import Tensor, nn

from answers_code.exercises.common import max_diff

LSTM_ORDER = ("i", "f", "g", "o")  # how nn.LSTM stacks its gates
GRU_ORDER = ("r", "z", "n")  # how nn.GRU stacks its gates

LSTM_SLIPS: dict[str | None, str] = {
    None: "",
    "h_without_tanh": "h = o * c misses the tanh: nn.LSTM computes h = o * tanh(c)",
    "no_forget": "the cell forgets nothing of c: c = f * c + i * g",
    "sigmoid_cell": "the cell gate g goes through sigmoid; it should go through tanh",
    "tanh_gates": "the i, f, o gates go through tanh; they should go through sigmoid",
}

GRU_SLIPS: dict[str | None, str] = {
    None: "",
    "update_swapped": "z and 1 - z are swapped: nn.GRU computes h = (1 - z) * n + z * h",
    "bias_outside_reset": "b_hn is added outside the reset gate: nn.GRU computes "
                          "n = tanh(W_in x + b_in + r * (W_hn h + b_hn))",
    "reset_before_matmul": "r multiplies h before W_hn (the 2014 paper's form): nn.GRU computes "
                           "r * (W_hn h + b_hn)",
}

Pre = Callable[[Tensor, Tensor], Tensor]  # (x_t, h) -> (bs, 4 * nh) in nn.LSTM's stacking


def lstm_run(x: Tensor, h: Tensor, c: Tensor, pre: Pre, order: tuple[str, ...],
             slip: str | None) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer over x (bs, sl, ni) where chunk k plays gate `order[k]`."""
    outs = []
    for t in range(x.shape[1]):
        chunks = dict(zip(order, pre(x[:, t], h).chunk(4, dim=1), strict=True))
        gate = torch.tanh if slip == "tanh_gates" else torch.sigmoid
        i, f, o = gate(chunks["i"]), gate(chunks["f"]), gate(chunks["o"])
        g = torch.sigmoid(chunks["g"]) if slip == "sigmoid_cell" else torch.tanh(chunks["g"])
        c = i * g if slip == "no_forget" else f * c + i * g
        h = o * c if slip == "h_without_tanh" else o * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs, dim=1), h, c


def gru_run(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor,
            order: tuple[str, ...], slip: str | None) -> Tensor:
    """One GRU layer over x (bs, sl, ni) where chunk k plays gate `order[k]`; the outputs."""
    outs = []
    for t in range(x.shape[1]):
        gi = dict(zip(order, (x[:, t] @ w_ih.T + b_ih).chunk(3, dim=1), strict=True))
        w_h = dict(zip(order, w_hh.chunk(3, dim=0), strict=True))
        b_h = dict(zip(order, b_hh.chunk(3, dim=0), strict=True))
        r = torch.sigmoid(gi["r"] + h @ w_h["r"].T + b_h["r"])
        z = torch.sigmoid(gi["z"] + h @ w_h["z"].T + b_h["z"])
        if slip == "bias_outside_reset":
            n = torch.tanh(gi["n"] + r * (h @ w_h["n"].T) + b_h["n"])
        elif slip == "reset_before_matmul":
            n = torch.tanh(gi["n"] + (r * h) @ w_h["n"].T + b_h["n"])
        else:
            n = torch.tanh(gi["n"] + r * (h @ w_h["n"].T + b_h["n"]))
        h = z * n + (1 - z) * h if slip == "update_swapped" else (1 - z) * n + z * h
        outs.append(h)
    return torch.stack(outs, dim=1)


def variants(base: tuple[str, ...],
             slips: dict[str | None, str]) -> Iterator[tuple[tuple[str, ...], str | None]]:
    """Every (gate order, slip) except the right one; single mistakes first."""
    orders = [order for order in permutations(base) if order != base]
    for slip in slips:
        if slip is not None:
            yield base, slip
    for order in orders:
        yield order, None
    for order in orders:
        for slip in slips:
            if slip is not None:
                yield order, slip


def describe(base: tuple[str, ...], order: tuple[str, ...], slip: str | None,
             slips: dict[str | None, str], module: str) -> str:
    parts = []
    if order != base:
        parts.append(f"your gates are in the order {', '.join(order)}; {module} stacks "
                     f"{', '.join(base)}")
    if slip is not None:
        parts.append(slips[slip])
    return "; ".join(parts)


def layer0_weights(ref: nn.Module) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(w_ih, w_hh, b_ih, b_hh) of layer 0 of torch's nn.LSTM / nn.GRU, detached."""
    w_ih, w_hh, b_ih, b_hh = (getattr(ref, f"{n}_l0").detach()
                              for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    return w_ih, w_hh, b_ih, b_hh


def name_mistake(base: tuple[str, ...], slips: dict[str | None, str], module: str, out: Tensor,
                 run: Callable[[tuple[str, ...], str | None], Tensor]) -> str | None:
    """The mistake whose variant (`run(order, slip)`: its outputs) reproduces the learner's
    `out`; None when none does."""
    for order, slip in variants(base, slips):
        if max_diff(run(order, slip), out) < 1e-4:
            return describe(base, order, slip, slips, module)
    return None
