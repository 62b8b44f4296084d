"""Experiment with `bernoulli_` (ch12-q35).

`t.bernoulli_(p)` overwrites t, in place, with independent draws: 1 with probability p, else 0.
p may be one number or a tensor of per-element probabilities; the draws follow the seed. Dropout
builds its mask with it, keeping each activation with probability 1 - p.
"""

from __future__ import annotations

from typing import Any

import torch

from answers_code.context import RunContext
from answers_code.demos.table import format_table

PROBS = (0.1, 0.5, 0.9)


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    n = ctx.params["size"]
    torch.manual_seed(ctx.params["seed"])
    small = torch.zeros(3, 8)
    same = small.bernoulli_(0.5)
    ctx.log(f"torch.zeros(3, 8).bernoulli_(0.5):\n{small}")
    in_place = same is small
    ctx.log(f"returns the same tensor (in place, the trailing _): {in_place}")

    rows, devs, fracs = [], [], {}
    for p in PROBS:
        draws = torch.empty(n).bernoulli_(p)
        frac = float(draws.mean())
        devs.append(abs(frac - p))
        fracs[str(p)] = frac
        rows.append((p, f"{frac:.4f}", f"{abs(frac - p):.4f}"))
    ctx.log(f"fraction of ones among {n:,} draws:\n"
            + format_table(("p", "fraction of ones", "|diff|"), rows))
    values = torch.unique(torch.empty(1000).bernoulli_(0.3)).tolist()

    probs = torch.tensor([0.0, 0.25, 1.0]).repeat(n // 3, 1)  # (n/3, 3): one p per column
    per_col = torch.empty_like(probs).bernoulli_(probs).mean(0)
    ctx.log(f"per-element p [0, 0.25, 1] -> column means {[round(v, 4) for v in per_col.tolist()]}")

    torch.manual_seed(1)
    a = torch.empty(10).bernoulli_(0.5)
    torch.manual_seed(1)
    b = torch.empty(10).bernoulli_(0.5)
    ctx.log(f"same seed, same draws: {bool(torch.equal(a, b))}")
    means = per_col.tolist()
    return {
        "fractions": fracs,
        "max_fraction_error": max(devs), "in_place": in_place, "values": values,
        "per_element_means": per_col.tolist(), "seeded_repeatable": bool(torch.equal(a, b)),
        "only_zeros_and_ones": values == [0.0, 1.0],
        "per_element_ok": means[0] == 0.0 and means[2] == 1.0 and abs(means[1] - 0.25) < 0.01,
    }
