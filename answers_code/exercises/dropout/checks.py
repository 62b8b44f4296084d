"""Checks for exercise `dropout`: the Dropout(p) contract of DESIGN.md, written from scratch."""

from __future__ import annotations

import ast
import inspect
import types

import torch

from answers_code.exercises.common import expect_shape, expect_tensor
from answers_code.exercises.harness import CheckList, Mistake

CHECKS = CheckList(names=("Dropout",))
BUILT_INS = {"dropout", "Dropout", "dropout_", "feature_dropout", "alpha_dropout",
             "dropout1d", "dropout2d", "dropout3d"}
P = 0.3
N = 100_000


TORCH_NAMES = {"torch", "nn", "F", "functional"}


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _built_in_uses(source: str) -> list[str]:
    """PyTorch's dropout as the code uses it: `nn.Dropout`, `F.dropout`, `from torch... import
    dropout` (docstrings, comments and the learner's own names do not count)."""
    used = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in BUILT_INS \
                and _root(node.value) in TORCH_NAMES:
            used.append(node.attr)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("torch"):
            used += [alias.name for alias in node.names if alias.name in BUILT_INS]
    return used


@CHECKS.check("written from scratch")
def from_scratch(mod: types.ModuleType) -> str:
    used = _built_in_uses(inspect.getsource(mod))
    if used:
        raise Mistake(f"uses PyTorch's {used[0]}; draw the mask yourself (bernoulli_)")
    return "no nn.Dropout / F.dropout"


@CHECKS.check("p outside [0, 1) is a ValueError")
def rejects_bad_p(mod: types.ModuleType) -> str:
    for p in (0.0, 0.5):
        mod.Dropout(p)
    for p in (-0.1, 1.0, 1.5):
        try:
            mod.Dropout(p)
        except ValueError:
            continue
        raise Mistake(f"Dropout({p}) did not raise ValueError: p must be in [0, 1)"
                      + (" (p = 1 would divide by 1 - p = 0)" if p == 1.0 else ""))
    return "Dropout(-0.1), Dropout(1.0), Dropout(1.5) raise ValueError; 0 and 0.5 are fine"


@CHECKS.check("identity in eval mode")
def identity_in_eval(mod: types.ModuleType) -> str:
    x = torch.randn(8, 50)
    out = expect_shape(mod.Dropout(P).eval()(x), (8, 50), "the output in eval mode")
    if not torch.equal(out, x):
        ratio = float((out / x).median())
        raise Mistake(f"in eval mode the output must be the input unchanged; got about x * "
                      f"{ratio:.2f} — drop and scale only while training")
    return "eval mode returns the input unchanged"


def _train_once(mod: types.ModuleType, x: torch.Tensor, p: float = P) -> torch.Tensor:
    out = mod.Dropout(p).train()(x)
    return expect_shape(out, tuple(x.shape), "the output in training mode")


@CHECKS.check("zeroes about p of the activations in training")
def zero_fraction(mod: types.ModuleType) -> str:
    out = _train_once(mod, torch.full((N,), 2.0))
    frac = float((out == 0).float().mean())
    if abs(frac - P) > 0.01:
        why = " — the mask keeps with probability p instead of 1 - p" \
            if abs(frac - (1 - P)) < 0.01 else ""
        raise Mistake(f"zeroed {frac:.3f} of the activations with p = {P}; expected about "
                      f"{P}{why}")
    kept = _train_once(mod, torch.full((N,), 2.0), p=0.0)
    if not torch.equal(kept, torch.full((N,), 2.0)):
        raise Mistake("with p = 0 nothing may be dropped or scaled")
    return f"zeroed {frac:.3f} with p = {P}; p = 0 keeps everything"


@CHECKS.check("survivors are scaled by 1/(1-p)")
def rescaled(mod: types.ModuleType) -> str:
    x = torch.rand(N) + 0.5
    out = _train_once(mod, x)
    kept = out != 0
    scale = out[kept] / x[kept]
    want = 1 / (1 - P)
    if not torch.allclose(scale, torch.full_like(scale, want), rtol=1e-5):
        got = float(scale.median())
        names = {1.0: "dropout without rescaling: divide the survivors by 1 - p",
                 round(1 - P, 3): "survivors are multiplied by 1 - p; divide by it instead",
                 round(1 / P, 3): "survivors are divided by p; divide by 1 - p"}
        why = names.get(round(got, 3), "every survivor must be x / (1 - p)")
        raise Mistake(f"survivors are x * {got:.3f}, expected x * {want:.3f} — {why}")
    return f"every survivor is x / (1 - p) = x * {want:.3f}"


@CHECKS.check("a fresh mask every call, input untouched, gradients flow")
def fresh_mask(mod: types.ModuleType) -> str:
    layer = mod.Dropout(P).train()
    x = torch.ones(4, 1000, requires_grad=True)
    before = x.detach().clone()
    first = expect_tensor(layer(x), "the output")
    second = layer(x)
    if not torch.equal(x.detach(), before):
        raise Mistake("the input was changed in place; return a new tensor")
    if torch.equal(first == 0, second == 0):
        raise Mistake("two calls dropped the same activations: draw a new mask in every forward")
    first.sum().backward()
    if x.grad is None:
        raise Mistake("no gradient reaches the input — is the output detached?")
    if not torch.allclose(x.grad, first.detach()):  # d(x * mask / (1-p)) / dx = mask / (1-p)
        raise Mistake("the gradient is not mask / (1 - p): the mask must multiply x")
    return "new mask each call; the input is left as it was; gradient = mask / (1 - p)"
