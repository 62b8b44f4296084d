"""Prototype on a small set first (ch12-q01): the same experiment on a fifth of the data.

The chapter's advice is to start from a dataset small enough that each experiment takes
seconds. Human Numbers already is one; cutting it to a fifth (the first fifth of every
`group_chunks` stream, training and validation alike) shows the trade: about a fifth of the
time for a first answer (the loss falls, the accuracy leaves the baseline far behind), and
what a fifth cannot tell yet: on it, a correct LMModel3 (0.38-0.50 over seeds 0-9) is no
better than one whose recurrent layer never trains. The full run settles that.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from answers_code.context import RunContext
from answers_code.data import Batches, DataLoaders, baseline, three_token_dls
from answers_code.demos.table import epoch_table, format_table
from answers_code.models import LMModel3


def subset(dls: DataLoaders, fraction: float) -> DataLoaders:
    """The first `fraction` of the training and of the validation batches."""
    def cut(b: Batches) -> Batches:
        n = max(1, round(len(b) * fraction))
        return Batches(b.xs[:n], b.ys[:n])
    return DataLoaders(cut(dls.train), cut(dls.valid), dls.vocab, dls.bs)


def train(ctx: RunContext, dls: DataLoaders, seed: int, emit: bool) -> tuple[list[dict], float]:
    """LMModel3 at the book's settings on `dls`; (epoch rows, CPU seconds)."""
    from answers_code.train import fit_one_cycle, set_seed

    p = ctx.params
    set_seed(seed)
    model = LMModel3(len(dls.vocab), p["n_hidden"])
    start = time.process_time()
    rows = fit_one_cycle(model, dls, p["epochs"], p["lr"],
                         reset=True, emit=ctx.emit if emit else None, device=ctx.device)
    return rows, time.process_time() - start


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    seed = ctx.params["seed"]
    fraction = ctx.params["fraction"]
    full = three_token_dls(bs=64, chunks=True)
    small = subset(full, fraction)
    small_rows, small_s = train(ctx, small, seed, emit=False)
    ctx.log(f"LMModel3 on {fraction:.0%} of the data ({len(small.train)} training batches, "
            f"{len(small.valid)} validation batches):\n{epoch_table(small_rows)}")
    full_rows, full_s = train(ctx, full, seed, emit=True)
    ctx.log(f"LMModel3 on all of it ({len(full.train)} training batches, {len(full.valid)} "
            f"validation batches):\n{epoch_table(full_rows)}")
    base = baseline().accuracy
    ctx.log(format_table(("data", "CPU seconds", "final accuracy"), [
        (f"{fraction:.0%}", f"{small_s:.2f}", f"{small_rows[-1]['accuracy']:.4f}"),
        ("all", f"{full_s:.2f}", f"{full_rows[-1]['accuracy']:.4f}"),
        ("always 'thousand'", "-", f"{base:.4f}")]))
    ctx.log(f"the small run took {small_s / full_s:.0%} of the time: enough to see the loss "
            "fall and the baseline beaten, and to iterate; the full run is what tells whether "
            "carrying the state pays off. On a full-size corpus the difference is hours.")
    return {"fraction": fraction, "small_accuracy": small_rows[-1]["accuracy"],
            "accuracy": full_rows[-1]["accuracy"], "small_cpu_seconds": small_s,
            "cpu_seconds": full_s, "time_ratio": small_s / full_s, "baseline": base,
            "epochs": len(full_rows)}
