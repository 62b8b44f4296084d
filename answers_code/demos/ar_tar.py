"""AR and TAR on a real batch of LMModel7 activations (ch12-q37, q38, fr4).

AR (activation regularization): `alpha * dropped.pow(2).mean()`, the mean square of the LSTM's
(dropped-out) outputs. Weight decay penalizes the weights, whatever the input; AR penalizes the
activations a batch produces, pushing them towards zero.
TAR (temporal AR): `beta * (raw[:, 1:] - raw[:, :-1]).pow(2).mean()`, the mean square change of
the raw outputs from one token to the next: a language model's state should move smoothly
through a sentence. It needs a time axis, which is why images (no sequence) don't use it.
fastai's RNNRegularizer adds both to the training loss (alpha=2, beta=1 in the chapter): AR on
its `out` (LinearDecoder's dropped-out output, LMModel7's `dropped`), TAR on its `raw_out`
(the LSTM's output, LMModel7's `raw`) (fr4).

Weight decay, by contrast, never enters the loss here: the trainer applies it decoupled, as
fastai does, multiplying every non-bias weight by `1 - lr * wd` at each step. The demo shows
how much that shrank the weights over its own steps.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from answers_code.context import RunContext
from answers_code.demos.table import format_table


def ar_loop(dropped: Tensor) -> float:
    """AR written out element by element over batch and time: the mean of h_t^2."""
    total, count = 0.0, 0
    for row in dropped:
        for h_t in row:
            total += float((h_t**2).sum())
            count += h_t.numel()
    return total / count


def tar_loop(raw: Tensor) -> float:
    """TAR written out: the mean of (h_t - h_{t-1})^2 over consecutive steps."""
    total, count = 0.0, 0
    for row in raw:
        for t in range(1, row.shape[0]):
            total += float(((row[t] - row[t - 1]) ** 2).sum())
            count += row[t].numel()
    return total / count


LR, WD = 1e-2, 0.1  # LMModel7's book settings


def decay_factor(steps: int, lr: float = LR, wd: float = WD) -> float:
    """What decoupled weight decay alone does to a weight over `steps` one-cycle steps: the
    product of the trainer's `1 - lr_t * wd`, the schedule's rates."""
    from answers_code.schedule import one_cycle

    lrs, _ = one_cycle(lr, steps)
    factor = 1.0
    for rate in lrs:
        factor *= 1 - rate * wd
    return factor


def decay_measured(steps: int, lr: float = LR, wd: float = WD) -> float:
    """The same factor from the trainer's own optimizer: a weight whose gradient is always
    zero, stepped through the schedule, keeps only what weight decay leaves of it."""
    from answers_code.schedule import one_cycle
    from answers_code.train import make_optimizer

    layer = torch.nn.Linear(4, 4, bias=False)
    with torch.no_grad():
        layer.weight.fill_(1.0)
    lrs, moms = one_cycle(lr, steps, (0.8, 0.7, 0.8))
    opt = make_optimizer(layer, lrs[0], wd, moms[0])
    for rate, mom in zip(lrs, moms, strict=True):
        opt.lr, opt.mom = rate, mom
        layer.weight.grad = torch.zeros_like(layer.weight)
        opt.step()
    return float(layer.weight.detach().mean())


def run(ctx: RunContext) -> dict[str, Any]:
    from answers_code.data import seq_dls
    from answers_code.models import LMModel7
    from answers_code.train import ar_tar, fit_one_cycle, set_seed

    torch.set_num_threads(1)
    p = ctx.params
    alpha, beta = p["alpha"], p["beta"]
    epochs, seed = p["epochs"], p["seed"]
    set_seed(seed)
    dls = seq_dls(sl=16, bs=64)
    model = LMModel7(30, 64, 2, 0.4)
    shrink = measured = 1.0
    if epochs > 0:
        ctx.log(f"training LMModel7 for {epochs} epoch(s) first, so the activations are a "
                "trained model's")
        fit_one_cycle(model, dls, epochs, LR, wd=WD, moms=(0.8, 0.7, 0.8), reset=True,
                      alpha=alpha, beta=beta, emit=ctx.emit, device=ctx.device)
        shrink = decay_factor(epochs * len(dls.train))
        measured = decay_measured(epochs * len(dls.train))
    model.to("cpu").train()  # dropout active, as when the penalties are added to the loss
    model.reset()
    x = dls.train.xs[0]  # (64, 16): the first training batch
    with torch.no_grad():
        _, raw, dropped = model(x)  # each (64, 16, 64)
    ar = alpha * dropped.pow(2).mean()
    tar = beta * (raw[:, 1:] - raw[:, :-1]).pow(2).mean()
    ctx.log(f"activations: raw {tuple(raw.shape)} (LSTM output), dropped {tuple(dropped.shape)}")
    ctx.log("AR  = alpha * dropped.pow(2).mean()\nTAR = beta * (raw[:, 1:] - raw[:, :-1])"
            ".pow(2).mean()")
    ar_l, tar_l = alpha * ar_loop(dropped), beta * tar_loop(raw)
    trainer = float(ar_tar(raw, dropped, alpha, beta))
    shuffled = raw[:, torch.randperm(raw.shape[1])]  # same activations, time order destroyed
    tar_shuffled = beta * float((shuffled[:, 1:] - shuffled[:, :-1]).pow(2).mean())
    ctx.log(format_table(("term", "value"), [
        (f"AR (alpha={alpha})", f"{float(ar):.6f}"), ("AR, explicit loop", f"{ar_l:.6f}"),
        (f"TAR (beta={beta})", f"{float(tar):.6f}"), ("TAR, explicit loop", f"{tar_l:.6f}"),
        ("AR + TAR, the trainer's ar_tar", f"{trainer:.6f}"),
        ("TAR with the time steps shuffled", f"{tar_shuffled:.6f}")]))
    ctx.log("fastai's RNNRegularizer: AR on `out` (the dropped-out output, `dropped` here), "
            "TAR on `raw_out` (the LSTM's output, `raw` here), training batches only")
    ctx.log("TAR grows when consecutive steps are unrelated: it rewards smooth change in time.")
    ctx.log(f"weight decay (wd={WD}) added nothing to the loss: each step multiplied every "
            f"non-bias weight by 1 - lr * wd; over this run's steps that alone takes a weight to "
            f"{shrink:.4f} of its value (the optimizer, stepped with zero gradients: "
            f"{measured:.4f}). It ignores the batch; AR and TAR depend on it.")
    return {
        "ar": float(ar), "tar": float(tar), "ar_loop_diff": abs(float(ar) - ar_l),
        "tar_loop_diff": abs(float(tar) - tar_l),
        "trainer_diff": abs(trainer - float(ar) - float(tar)),
        "tar_shuffled": tar_shuffled, "tar_smaller_in_order": float(tar) < tar_shuffled,
        "weight_decay_factor": shrink, "decay_factor_diff": abs(shrink - measured),
        "epochs_trained": epochs,
    }
