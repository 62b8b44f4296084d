"""Seconds per epoch of `fit_one_cycle` against a bare PyTorch loop over the same batches and
model, in the same process, for each of the chapter's models at the book's epochs.

The bare loop does the same arithmetic and nothing else: forward, loss (plus AR/TAR for
LMModel7), backward, the same Adam step at a constant learning rate, then a validation pass
that sums the loss and the correct predictions. What the ratio measures is the trainer's own
cost: the per-step schedule, reset calls, metrics, timing and events. A second bare loop with
`torch.optim.AdamW(fused=True)` shows what the hand-written Adam saves.

Runs alternate (bare, trainer, torch-AdamW bare) for --rounds rounds; each figure is the
fastest round, the one least disturbed by other work on the machine.

    python benchmarks/trainer_overhead.py [--rounds 3] [--models lmmodel1,lmmodel7] [--threads 1]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402
from torch import nn  # noqa: E402

from answers_code.data import DataLoaders  # noqa: E402
from answers_code.lm_answers import MODELS  # noqa: E402
from answers_code.registry import get  # noqa: E402
from answers_code.train import (  # noqa: E402
    ar_tar,
    fit_one_cycle,
    flat_cross_entropy,
    make_optimizer,
    set_seed,
)

Stepper = Callable[[nn.Module], Any]


def bare_epochs(
    model: nn.Module, dls: DataLoaders, epochs: int, params: dict[str, Any], torch_adamw: bool
) -> float:
    """Seconds per epoch of the minimal loop doing the same work."""
    stateful = MODELS[params["model"]].stateful
    alpha, beta = params.get("alpha", 0.0), params.get("beta", 0.0)
    if torch_adamw:
        opt: Any = torch.optim.AdamW(
            model.parameters(), lr=params["lr"], betas=(0.9, 0.99), eps=1e-5,
            weight_decay=params["wd"], fused=True,
        )  # fmt: skip
    else:
        opt = make_optimizer(model, params["lr"], params["wd"], 0.9)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        if stateful:
            model.reset()
        for x, y in dls.train:
            out = model(x)
            logits = out[0] if isinstance(out, tuple) else out
            loss = flat_cross_entropy(logits, y)
            if alpha or beta:
                loss = loss + ar_tar(out[1], out[2], alpha, beta)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        if stateful:
            model.reset()
        total, correct = 0.0, 0
        with torch.no_grad():
            for x, y in dls.valid:
                out = model(x)
                logits = out[0] if isinstance(out, tuple) else out
                total = total + flat_cross_entropy(logits, y) * len(x)
                correct = correct + (logits.argmax(-1) == y).sum()
        float(total), int(correct)  # the same one host sync per epoch the trainer makes
    return (time.perf_counter() - start) / epochs


def trainer_epochs(
    model: nn.Module, dls: DataLoaders, epochs: int, params: dict[str, Any]
) -> float:
    spec = MODELS[params["model"]]
    start = time.perf_counter()
    fit_one_cycle(
        model, dls, epochs, params["lr"], wd=params["wd"], moms=tuple(params["moms"]),
        reset=spec.stateful, alpha=params.get("alpha", 0.0), beta=params.get("beta", 0.0),
        emit=lambda event: None,
    )  # fmt: skip
    return (time.perf_counter() - start) / epochs


def measure(name: str, rounds: int) -> dict[str, float]:
    params = get(name).params_for(quick=False)
    spec = MODELS[name]
    dls = spec.data(params)
    epochs = params["epochs"]

    def fresh() -> nn.Module:
        set_seed(0)
        return spec.build(len(dls.vocab), params)

    bare_epochs(fresh(), dls, 1, params, torch_adamw=True)  # warm-up: first-call costs
    trainer_epochs(fresh(), dls, 1, params)
    best = {"bare": float("inf"), "trainer": float("inf"), "torch_adamw": float("inf")}
    for _ in range(rounds):
        best["bare"] = min(best["bare"], bare_epochs(fresh(), dls, epochs, params, False))
        best["trainer"] = min(best["trainer"], trainer_epochs(fresh(), dls, epochs, params))
        best["torch_adamw"] = min(
            best["torch_adamw"], bare_epochs(fresh(), dls, epochs, params, True)
        )
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), best of {args.rounds} rounds")
    print(f"{'model':<9} {'epochs':>6} {'bare s/ep':>10} {'trainer s/ep':>13} {'ratio':>6} "
          f"{'torch AdamW bare s/ep':>22}")  # fmt: skip
    worst = 0.0
    for name in args.models.split(","):
        best = measure(name, args.rounds)
        ratio = best["trainer"] / best["bare"]
        worst = max(worst, ratio)
        epochs = get(name).defaults["epochs"]
        print(f"{name:<9} {epochs:>6} {best['bare']:>10.3f} {best['trainer']:>13.3f} "
              f"{ratio:>6.3f} {best['torch_adamw']:>22.3f}", flush=True)  # fmt: skip
    print(f"worst ratio {worst:.3f} (target <= 1.10)")


if __name__ == "__main__":
    main()
