"""Checks for exercise `ar-tar`: the AR and TAR penalties against their definitions.

AR = alpha * mean(acts ** 2); TAR = beta * mean((acts[:, 1:] - acts[:, :-1]) ** 2), with acts
(bs, sl, n_hidden). The shapes below differ in every axis, so an axis mix-up changes the value.
"""

from __future__ import annotations

import types
from collections.abc import Callable

import torch
from torch import Tensor

from answers_code.exercises.common import expect_tensor
from answers_code.exercises.harness import CheckList, Mistake

CHECKS = CheckList(names=("ar_penalty", "tar_penalty"))
SHAPES = ((4, 7, 5), (3, 2, 6), (1, 9, 3))
ALPHA, BETA = 2.0, 3.0

Penalty = Callable[[Tensor, float], Tensor]


def _ar(acts: Tensor, alpha: float) -> Tensor:
    return alpha * acts.pow(2).mean()


def _tar(acts: Tensor, beta: float) -> Tensor:
    return beta * (acts[:, 1:] - acts[:, :-1]).pow(2).mean()


def _diff(acts: Tensor, dim: int) -> Tensor:
    return acts.diff(dim=dim)


AR_SLIPS: dict[str, Penalty] = {
    "sum instead of mean": lambda a, k: k * a.pow(2).sum(),
    "no square: use acts.pow(2), not abs": lambda a, k: k * a.abs().mean(),
    "alpha is not applied": lambda a, k: a.pow(2).mean(),
    "no square: the mean of acts itself": lambda a, k: k * a.mean(),
    "the L2 norm instead of the mean square": lambda a, k: k * a.norm(),
}

TAR_SLIPS: dict[str, Penalty] = {
    "TAR on the wrong axis: dim 0 is the batch; time steps are dim 1":
        lambda a, k: k * _diff(a, 0).pow(2).mean(),
    "TAR on the wrong axis: dim 2 is the features; time steps are dim 1":
        lambda a, k: k * _diff(a, 2).pow(2).mean(),
    "sum instead of mean": lambda a, k: k * _diff(a, 1).pow(2).sum(),
    "no square: square the differences": lambda a, k: k * _diff(a, 1).abs().mean(),
    "beta is not applied": lambda a, k: _diff(a, 1).pow(2).mean(),
    "that is AR (activations, not their changes over time)": lambda a, k: k * a.pow(2).mean(),
    "differences against the first step; TAR compares consecutive steps":
        lambda a, k: k * (a[:, 1:] - a[:, :1]).pow(2).mean(),
}


def _value(func: Penalty, acts: Tensor, k: float, name: str) -> Tensor:
    value = expect_tensor(func(acts, k), f"{name}(acts, {k:g})")
    if value.numel() != 1:
        raise Mistake(f"{name} should return a scalar, got shape {tuple(value.shape)}")
    return value


def _compare(func: Penalty, want: Penalty, slips: dict[str, Penalty], k: float,
             name: str) -> str:
    for shape in SHAPES:
        acts = torch.randn(shape)
        got, expected = float(_value(func, acts, k, name)), float(want(acts, k))
        if abs(got - expected) > 1e-5 * max(1.0, abs(expected)):
            why = next((label for label, slip in slips.items()
                        if abs(float(slip(acts, k)) - got) <= 1e-5 * max(1.0, abs(got))),
                       "see the definition in the scaffold")
            raise Mistake(f"{name} on acts of shape {shape}: got {got:.4g}, expected "
                          f"{expected:.4g} — {why}")
    return f"matches the definition on shapes {', '.join(str(s) for s in SHAPES)}"


def _gradient(func: Penalty, want: Penalty, k: float, name: str) -> None:
    acts = torch.randn(4, 7, 5, requires_grad=True)
    value = _value(func, acts, k, name)
    if not value.requires_grad:
        raise Mistake(f"no gradient flows through {name} — did you call .item() or detach?")
    (grad,) = torch.autograd.grad(value.sum(), acts)
    ref = acts.detach().requires_grad_()
    (grad_ref,) = torch.autograd.grad(want(ref, k), ref)
    if not torch.allclose(grad, grad_ref, atol=1e-6):
        raise Mistake(f"the gradient of {name} differs from the definition's")


AR = "AR: alpha * mean(acts ** 2)"
TAR = "TAR: beta * mean((acts[:, 1:] - acts[:, :-1]) ** 2)"


@CHECKS.check(AR)
def ar_value(mod: types.ModuleType) -> str:
    return _compare(mod.ar_penalty, _ar, AR_SLIPS, ALPHA, "ar_penalty")


@CHECKS.check(TAR)
def tar_value(mod: types.ModuleType) -> str:
    return _compare(mod.tar_penalty, _tar, TAR_SLIPS, BETA, "tar_penalty")


@CHECKS.check("gradients flow through both penalties", needs=(AR, TAR))
def gradients(mod: types.ModuleType) -> str:
    _gradient(mod.ar_penalty, _ar, ALPHA, "ar_penalty")
    _gradient(mod.tar_penalty, _tar, BETA, "tar_penalty")
    return "both gradients match the definitions'"
