"""Why deep networks get very large or very small activations (ch12-q21, q23).

A deep network multiplies by a matrix again and again: a factor a bit above one per layer
explodes, a bit below one vanishes, like multiplying by 2 or by 0.5 thirty-two times. Huge
activations lose precision and overflow; tiny ones underflow, and their gradients vanish, so
the early layers' weights stop moving and the network stops training.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from answers_code.context import RunContext
from answers_code.demos.table import format_table

INITS = {  # weight std per init: naive N(0,1), too small, and 1/sqrt(n) (good)
    "randn (std 1)": lambda n: 1.0,
    "std 0.01": lambda n: 0.01,
    "std 1/sqrt(n)": lambda n: 1 / math.sqrt(n),
}


def repeated_products(steps: int = 32) -> tuple[float, float]:
    x2 = torch.tensor(1.0)
    xh = torch.tensor(1.0)
    for _ in range(steps):
        x2, xh = x2 * 2, xh * 0.5
    return float(x2), float(xh)


def deep_stack(std: float, n: int, depth: int, seed: int) -> tuple[list[float], float]:
    """Stds of activations after each layer of `depth` random (n, n) linear layers, and the
    norm of the gradient reaching the first layer's weights."""
    gen = torch.Generator().manual_seed(seed)
    weights = [(torch.randn(n, n, generator=gen) * std).requires_grad_() for _ in range(depth)]
    x = torch.randn(64, n, generator=gen)
    stds = []
    for w in weights:
        x = x @ w  # (64, n)
        stds.append(float(x.detach().std()))
    x.pow(2).mean().backward()
    return stds, float(weights[0].grad.norm())


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    depth, n, seed = ctx.params["depth"], ctx.params["width"], 0
    up, down = repeated_products(32)
    ctx.log(f"1 * 2^32   = {up:,.0f}\n1 * 0.5^32 = {down:.3g}")
    results = {name: deep_stack(f(n), n, depth, seed) for name, f in INITS.items()}
    shown = sorted({0, 4, 9, 19, 29, 39, depth - 1} & set(range(depth)))
    rows = [(i + 1, *(f"{results[k][0][i]:.3g}" for k in INITS)) for i in shown]
    ctx.log(f"std of the activations through {depth} random linear layers of width {n}:")
    ctx.log(format_table(("layer", *INITS), rows))
    grads = [(k, f"{results[k][1]:.3g}") for k in INITS]
    ctx.log("gradient norm reaching layer 1's weights:\n"
            + format_table(("init", "grad norm"), grads))
    naive, small, good = (results[k] for k in INITS)
    ctx.log("std 1 explodes to inf (overflow, then nan gradients); std 0.01 vanishes to 0 and so "
            "does the gradient of the first layer: it cannot learn. 1/sqrt(n) keeps std near 1.")
    overflow = next((i + 1 for i, s in enumerate(naive[0]) if not math.isfinite(s)), None)
    ctx.log(f"randn (std 1): the activations stop being finite numbers at layer {overflow}")
    # Non-finite values stay out of the result (JSON has no nan): report where they began.
    return {
        "two_pow_32": up, "half_pow_32": down,
        "naive_overflow_layer": overflow, "small_final_std": small[0][-1],
        "good_final_std": good[0][-1], "small_first_grad": small[1], "good_first_grad": good[1],
        "naive_grad_finite": math.isfinite(naive[1]),
        "naive_exploded": overflow is not None,
        "small_vanished": small[0][-1] < 1e-30,
        "good_stable": 0.1 < good[0][-1] < 10,
    }
