"""`fit_one_cycle` in plain PyTorch: fastai's Learner.fit_one_cycle as chapter 12 uses it.

What it reproduces, and why each piece is here:
- fastai's Adam (`answers_code.optim`): beta2 (sqr_mom) 0.99, eps 1e-5, decoupled weight
  decay not applied to biases; beta1 is the cycled momentum.
- the one-cycle schedule of `answers_code.schedule`, lr and momentum, set before every step.
- `reset=True`: fastai's ModelResetter, `model.reset()` before each training epoch, before each
  validation and after the fit.
- `alpha`/`beta`: fastai's RNNRegularizer (AR/TAR) for models that return
  `(logits, raw, dropped)`: added to the training loss only; the reported loss leaves them out.
- metrics as fastai reports them: train_loss is the bias-corrected moving average of the batch
  losses (fastai's smooth loss, beta 0.98, carried across epochs), valid_loss the mean over
  samples, accuracy the fraction of target tokens predicted right.

Speed: the models are tiny, so Python per step matters as much as the maths. The batches are
tensors built once (and moved to the device once), the schedule is a precomputed list, and
batch losses stay tensors until the epoch ends: one host sync per epoch, none per step.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from answers_code.data import Batches, DataLoaders
from answers_code.optim import Adam
from answers_code.schedule import one_cycle

LossFunc = Callable[[Tensor, Tensor], Tensor]
Emit = Callable[[dict[str, Any]], None]

SQR_MOM = 0.99
EPS = 1e-5
SMOOTH_BETA = 0.98


def set_seed(seed: int) -> None:
    """Seed every generator a run draws from (Python, torch on all devices, numpy if present)."""
    random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA and MPS generators
    try:
        import numpy as np
    except ImportError:
        return
    np.random.seed(seed % 2**32)


def flat_cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Cross-entropy over every position: (..., vocab) scores against (...) targets, flattened
    to (N, vocab) and (N,) (fastai's CrossEntropyLossFlat; ch12-q16)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def ar_tar(raw: Tensor, dropped: Tensor, alpha: float, beta: float) -> Tensor:
    """Activation regularization (AR: large activations cost) plus temporal activation
    regularization (TAR: activations that jump between consecutive words cost).
    raw, dropped: (bs, sl, n_hidden), the LSTM's output before and after dropout."""
    penalty = alpha * dropped.float().pow(2).mean()
    if raw.shape[1] > 1:
        penalty = penalty + beta * (raw[:, 1:] - raw[:, :-1]).float().pow(2).mean()
    return penalty


def is_bias(name: str) -> bool:
    """Biases get no weight decay: 'h_o.bias', and the recurrent layers' 'rnn.bias_ih_l0'."""
    return name.rsplit(".", 1)[-1].startswith("bias")


def make_optimizer(model: nn.Module, lr: float, wd: float, mom: float) -> Adam:
    """fastai's Adam with two parameter groups, so biases skip weight decay. A tied weight is
    one parameter and appears once (named_parameters drops duplicates)."""
    named = list(model.named_parameters())
    decay = [p for n, p in named if not is_bias(n)]
    no_decay = [p for n, p in named if is_bias(n)]
    return Adam([(decay, wd), (no_decay, 0.0)], lr=lr, mom=mom, sqr_mom=SQR_MOM, eps=EPS)


def _logits(out: Tensor | tuple[Tensor, ...]) -> Tensor:
    return out[0] if isinstance(out, tuple) else out


def smooth_losses(losses: Iterable[float], state: list[float]) -> float:
    """fastai's AvgSmoothLoss over `losses`; `state` ([average, count]) carries across epochs."""
    avg, count = state
    for loss in losses:
        avg = SMOOTH_BETA * avg + (1 - SMOOTH_BETA) * loss
        count += 1
    state[0], state[1] = avg, count
    return avg / (1 - SMOOTH_BETA**count) if count else float("nan")


def evaluate(
    model: nn.Module, batches: Batches, loss_func: LossFunc, reset: bool = False
) -> tuple[float, float]:
    """(valid loss averaged over samples, accuracy over target tokens), in eval mode."""
    model.eval()
    if reset:
        model.reset()  # type: ignore[operator]
    loss_sum: Tensor | float = 0.0
    correct: Tensor | int = 0
    n_samples = n_targets = 0
    with torch.no_grad():  # not inference_mode: a kept state must stay usable in training
        for x, y in batches:
            logits = _logits(model(x))
            loss_sum = loss_sum + loss_func(logits, y) * len(x)
            correct = correct + (logits.argmax(dim=-1) == y).sum()
            n_samples += len(x)
            n_targets += y.numel()
    if not n_samples:
        raise ValueError("the validation set has no batches")
    return float(loss_sum) / n_samples, float(correct) / n_targets


def fit_one_cycle(
    model: nn.Module,
    dls: DataLoaders,
    epochs: int,
    lr: float,
    wd: float = 0.01,
    moms: tuple[float, float, float] = (0.95, 0.85, 0.95),
    loss_func: LossFunc | None = None,
    reset: bool = False,
    alpha: float = 0.0,
    beta: float = 0.0,
    emit: Emit | None = None,
    device: str | torch.device = "cpu",
) -> list[dict[str, Any]]:
    """Train `model` on `dls` for `epochs` one-cycle epochs; return one dict per epoch
    {epoch, train_loss, valid_loss, accuracy, seconds}. `emit`, if given, receives each as
    {"event": "epoch", ...} as soon as the epoch ends.

    `reset=True` needs a `model.reset()`; `alpha`/`beta` need a model returning
    `(logits, raw, dropped)`. `loss_func` defaults to `flat_cross_entropy`, which also fits
    (bs, vocab) outputs."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if reset and not callable(getattr(model, "reset", None)):
        raise TypeError(f"{type(model).__name__} has no reset() method (reset=True)")
    loss_func = loss_func or flat_cross_entropy
    model.to(device)
    dls = dls.to(device)
    if not len(dls.train):
        raise ValueError("the training set has no batches")
    lrs, mom_steps = one_cycle(lr, epochs * len(dls.train), moms)
    opt = make_optimizer(model, lrs[0], wd, mom_steps[0])
    regularize = bool(alpha or beta)
    smooth = [0.0, 0]
    rows: list[dict[str, Any]] = []
    step = 0
    for epoch in range(epochs):
        start = time.perf_counter()
        model.train()
        if reset:
            model.reset()  # type: ignore[operator]
        losses: list[Tensor] = []
        for x, y in dls.train:
            opt.lr, opt.mom = lrs[step], mom_steps[step]
            out = model(x)
            loss = loss_func(_logits(out), y)
            losses.append(loss.detach())
            if regularize:
                _, raw, dropped = out
                loss = loss + ar_tar(raw, dropped, alpha, beta)
            loss.backward()
            opt.step()
            opt.zero_grad()
            step += 1
        train_loss = smooth_losses(torch.stack(losses).tolist(), smooth)
        valid_loss, accuracy = evaluate(model, dls.valid, loss_func, reset)
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "valid_loss": valid_loss,
            "accuracy": accuracy,
            "seconds": time.perf_counter() - start,
        }
        rows.append(row)
        if emit is not None:
            emit({"event": "epoch", **row})
    if reset:
        model.reset()  # type: ignore[operator]
    return rows
