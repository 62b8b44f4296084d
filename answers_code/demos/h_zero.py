"""Why can LMModel2's forward start with `h = 0`? (Further Research 1, ch12-fr1)

The first step computes `h = h + self.i_h(x[:, 0])`: a Python number plus a (bs, n_hidden)
tensor. Broadcasting stretches the scalar 0 over every element, so the sum is a tensor of the
right shape, on the right device, with the right dtype, and exactly equal to the embedding.
`torch.zeros(bs, n_hidden)` builds the same values explicitly (and must be told bs, n_hidden and
the device); the results, the gradients and the trained accuracies are identical.
"""

from __future__ import annotations

import statistics
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from answers_code.context import RunContext
from answers_code.demos.params import seed_list
from answers_code.demos.table import epoch_table, format_table
from answers_code.models import LMModel2


class LMModel2Zeros(LMModel2):
    """LMModel2 starting from an explicit zero tensor instead of the number 0."""

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, n_words)
        h = torch.zeros(x.shape[0], self.h_h.in_features, device=x.device)  # (bs, n_hidden)
        for i in range(x.shape[1]):
            h = h + self.i_h(x[:, i])
            h = F.relu(self.h_h(h))
        return self.h_o(h)


def broadcast_example(ctx: RunContext) -> bool:
    emb = torch.randn(2, 3)
    summed = 0 + emb
    ctx.log(f"0 + tensor of shape {tuple(emb.shape)} -> shape {tuple(summed.shape)}, "
            f"equal to the tensor: {bool(torch.equal(summed, emb))}")
    ctx.log("the scalar is broadcast: treated as a tensor of that shape filled with 0")
    return bool(torch.equal(summed, emb))


def same_outputs(vocab: int, nh: int, seed: int) -> tuple[float, float]:
    """(max |output diff|, max |grad diff|) of the two forwards with the same weights."""
    torch.manual_seed(seed)
    a = LMModel2(vocab, nh)
    b = LMModel2Zeros(vocab, nh)
    b.load_state_dict(a.state_dict())
    x = torch.randint(0, vocab, (64, 3))
    out_a, out_b = a(x), b(x)
    out_a.pow(2).mean().backward()
    out_b.pow(2).mean().backward()
    grads_b = dict(b.named_parameters())
    grad = max(float((p.grad - grads_b[n].grad).abs().max()) for n, p in a.named_parameters())
    return float((out_a - out_b).detach().abs().max()), grad


def run(ctx: RunContext) -> dict[str, Any]:
    from answers_code.data import three_token_dls
    from answers_code.train import fit_one_cycle, set_seed

    torch.set_num_threads(1)
    p = ctx.params
    epochs, lr, nh = p["epochs"], p["lr"], p["n_hidden"]
    seeds = seed_list(p)
    same_bc = broadcast_example(ctx)
    out_diff, grad_diff = same_outputs(30, nh, seeds[0])
    ctx.log(f"same weights: max |output difference| {out_diff}, max |gradient difference| "
            f"{grad_diff}")
    dls = three_token_dls(bs=64)
    finals: dict[str, list[float]] = {"h = 0": [], "h = torch.zeros": []}
    identical = True
    for i, seed in enumerate(seeds):
        tables = []
        for name, cls in (("h = 0", LMModel2), ("h = torch.zeros", LMModel2Zeros)):
            set_seed(seed)
            model = cls(30, nh)
            rows = fit_one_cycle(model, dls, epochs, lr, emit=ctx.emit if (
                i == 0 and cls is LMModel2) else None, device=ctx.device)
            finals[name].append(rows[-1]["accuracy"])
            tables.append([(r["train_loss"], r["valid_loss"], r["accuracy"]) for r in rows])
            ctx.log(f"{name}, seed {seed}:\n{epoch_table(rows)}")
        identical = identical and tables[0] == tables[1]
    rows_out = [(name, " ".join(f"{a:.6f}" for a in accs), f"{statistics.median(accs):.6f}")
                for name, accs in finals.items()]
    ctx.log(format_table(("start", "final accuracy per seed", "median"), rows_out))
    ctx.log(f"identical loss and accuracy tables for every seed: {identical}")
    return {
        "broadcast_equal": same_bc, "max_abs_diff": out_diff, "grad_max_abs_diff": grad_diff,
        "tables_identical": identical, "accuracy": finals["h = 0"][0],
        "zeros_accuracy": finals["h = torch.zeros"][0], "seeds": seeds,
    }
