"""fastai's Adam, the optimizer `fit_one_cycle` steps (ch12's `Learner` default).

One step, per parameter p with gradient g, at step t, learning rate lr, momentum mom (beta1,
cycled by the schedule), sqr_mom (beta2) 0.99, eps 1e-5, weight decay wd:

    p       *= 1 - lr * wd                            # decoupled weight decay (AdamW)
    avg      = mom * avg + (1 - mom) * g              # average gradient
    sqr_avg  = sqr_mom * sqr_avg + (1 - sqr_mom) * g^2
    p       -= lr / (1 - mom^t) * avg / (sqrt(sqr_avg / (1 - sqr_mom^t)) + eps)

This is PyTorch's AdamW update (tests compare the two step by step). It is written here rather
than taken from `torch.optim` for speed: these models are so small that `torch.optim`'s
per-step bookkeeping costs about as much as the update, and its first use imports
`torch._dynamo` (over a second per process). Where PyTorch has the fused AdamW kernel for the
device, one kernel call per parameter group does the update; elsewhere the lines above run
as tensor operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import Tensor


@lru_cache(maxsize=8)
def fused_available(device: torch.device) -> bool:
    """Whether this PyTorch build has a fused AdamW kernel for `device` (CPU from torch 2.4)."""
    kernel = getattr(torch, "_fused_adamw_", None)
    if kernel is None:
        return False
    p, g, a, s = (torch.ones(1, device=device) for _ in range(4))
    try:
        _fused_step([p], [g], [a], [s], torch.zeros((), device=device), 0.1, 0.9, 0.99, 0.0, 1e-5)
    except (RuntimeError, NotImplementedError):
        return False
    return True


def _fused_step(
    params: list[Tensor],
    grads: list[Tensor],
    avgs: list[Tensor],
    sqr_avgs: list[Tensor],
    step: Tensor,
    lr: float,
    mom: float,
    sqr_mom: float,
    wd: float,
    eps: float,
) -> None:
    # The kernel reads one step count per parameter; every parameter shares the same one.
    torch._fused_adamw_(  # type: ignore[attr-defined]
        params, grads, avgs, sqr_avgs, [], [step] * len(params),
        amsgrad=False, lr=lr, beta1=mom, beta2=sqr_mom, weight_decay=wd, eps=eps,
        maximize=False, grad_scale=None, found_inf=None,
    )  # fmt: skip


@dataclass
class _Group:
    """One parameter group and its state, kept as parallel lists the fused kernel takes."""

    params: list[Tensor]
    wd: float
    weights: list[Tensor]  # detached aliases: updated in place without autograd bookkeeping
    avgs: list[Tensor]
    sqr_avgs: list[Tensor]

    def live(self) -> tuple[list[Tensor], list[Tensor], list[Tensor], list[Tensor]]:
        """(weights, grads, avgs, sqr_avgs) of the parameters that got a gradient."""
        grads = [p.grad for p in self.params]
        if all(g is not None for g in grads):
            return self.weights, grads, self.avgs, self.sqr_avgs  # type: ignore[return-value]
        keep = [i for i, g in enumerate(grads) if g is not None]  # a parameter unused this batch
        return (
            [self.weights[i] for i in keep],
            [grads[i] for i in keep],  # type: ignore[misc]
            [self.avgs[i] for i in keep],
            [self.sqr_avgs[i] for i in keep],
        )


class Adam:
    """Adam with decoupled weight decay over parameter groups `[(params, wd), ...]`.

    The trainer sets `lr` and `mom` before each `step()` (the one-cycle schedule)."""

    def __init__(
        self,
        groups: Sequence[tuple[Sequence[Tensor], float]],
        lr: float,
        mom: float = 0.9,
        sqr_mom: float = 0.99,
        eps: float = 1e-5,
        fused: bool | None = None,
    ) -> None:
        self.params = [p for params, _ in groups for p in params]
        if not self.params:
            raise ValueError("the optimizer got no parameters")
        device = self.params[0].device
        self.lr, self.mom, self.sqr_mom, self.eps = lr, mom, sqr_mom, eps
        self.fused = fused_available(device) if fused is None else fused
        self.t = 0
        # A tensor for the fused kernel; float32 as PyTorch's own fused AdamW keeps it.
        self._step = torch.zeros((), dtype=torch.float32, device=device)
        self.groups = [
            _Group(
                params=list(params),
                wd=wd,
                weights=[p.detach() for p in params],
                avgs=[torch.zeros_like(p) for p in params],
                sqr_avgs=[torch.zeros_like(p) for p in params],
            )
            for params, wd in groups
            if params
        ]

    def step(self) -> None:
        self.t += 1
        self._step += 1
        for group in self.groups:
            weights, grads, avgs, sqr_avgs = group.live()
            if not weights:
                continue
            if self.fused:
                _fused_step(
                    weights, grads, avgs, sqr_avgs, self._step,
                    self.lr, self.mom, self.sqr_mom, group.wd, self.eps,
                )  # fmt: skip
            else:
                for w, g, avg, sqr_avg in zip(weights, grads, avgs, sqr_avgs, strict=True):
                    self._plain_step(w, g, avg, sqr_avg, group.wd)

    def _plain_step(self, w: Tensor, g: Tensor, avg: Tensor, sqr_avg: Tensor, wd: float) -> None:
        lr, mom, sqr_mom = self.lr, self.mom, self.sqr_mom
        w.mul_(1 - lr * wd)
        avg.lerp_(g, 1 - mom)
        sqr_avg.mul_(sqr_mom).addcmul_(g, g, value=1 - sqr_mom)
        denom = (sqr_avg / (1 - sqr_mom**self.t)).sqrt_().add_(self.eps)
        w.addcdiv_(avg, denom, value=-lr / (1 - mom**self.t))

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None
