"""Seconds per epoch of `fit_one_cycle` against a bare PyTorch loop over the same batches and
model, in the same process, for each of the chapter's models at the book's epochs.

The bare loop does the same arithmetic and nothing else: forward, loss (plus AR/TAR for
LMModel7), backward, the same Adam step at a constant learning rate, then a validation pass
that sums the loss and the correct predictions. The ratio is the trainer's own cost: the
per-step schedule, reset calls, metrics, timing and events. A third loop, bare again but with
`torch.optim.AdamW(fused=True)`, shows what the hand-written Adam saves.

Each loop runs the book's epochs, alternating, for --rounds rounds, on one thread. Two clocks:
CPU seconds of this process per epoch (the ratio's clock: other processes on a shared machine
barely move it) and the fastest wall-clock epoch. Each figure is the best round.

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

Loop = Callable[[nn.Module, DataLoaders, int, dict[str, Any], Callable[[], None]], None]


def bare_loop(torch_adamw: bool) -> Loop:
    def run(
        model: nn.Module, dls: DataLoaders, epochs: int, p: dict[str, Any], tick: Callable[[], None]
    ) -> None:
        stateful = MODELS[p["model"]].stateful
        alpha, beta = p.get("alpha", 0.0), p.get("beta", 0.0)
        if torch_adamw:
            opt: Any = torch.optim.AdamW(
                model.parameters(), lr=p["lr"], betas=(0.9, 0.99), eps=1e-5,
                weight_decay=p["wd"], fused=True,
            )  # fmt: skip
        else:
            opt = make_optimizer(model, p["lr"], p["wd"], 0.9)
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
            float(total), int(correct)  # the one host sync per epoch the trainer makes too
            tick()

    return run


def trainer_loop(
    model: nn.Module, dls: DataLoaders, epochs: int, p: dict[str, Any], tick: Callable[[], None]
) -> None:
    spec = MODELS[p["model"]]
    fit_one_cycle(
        model, dls, epochs, p["lr"], wd=p["wd"], moms=tuple(p["moms"]), reset=spec.stateful,
        alpha=p.get("alpha", 0.0), beta=p.get("beta", 0.0), emit=lambda event: tick(),
    )  # fmt: skip


def timed(loop: Loop, model: nn.Module, dls: DataLoaders, p: dict[str, Any]) -> tuple[float, float]:
    """(CPU seconds per epoch, fastest wall-clock epoch) of one run of the book's epochs."""
    walls: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        walls.append(now - last[0])
        last[0] = now

    cpu = time.process_time()
    loop(model, dls, p["epochs"], p, tick)
    return (time.process_time() - cpu) / p["epochs"], min(walls)


def measure(name: str, rounds: int) -> dict[str, tuple[float, float]]:
    params = get(name).params_for(quick=False)
    spec = MODELS[name]
    dls = spec.data(params)

    def fresh() -> nn.Module:
        set_seed(0)
        return spec.build(len(dls.vocab), params)

    loops = {"bare": bare_loop(False), "trainer": trainer_loop, "torch_adamw": bare_loop(True)}
    warm = {**params, "epochs": 1}
    for loop in loops.values():  # first calls pay one-off costs (kernels, oneDNN set-up)
        timed(loop, fresh(), dls, warm)
    best = {key: (float("inf"), float("inf")) for key in loops}
    for _ in range(rounds):
        for key, loop in loops.items():
            cpu, wall = timed(loop, fresh(), dls, params)
            best[key] = (min(best[key][0], cpu), min(best[key][1], wall))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), best of {args.rounds} rounds")
    print(
        f"{'model':<9} {'epochs':>6} | {'CPU s/epoch: bare':>17} {'trainer':>8} {'ratio':>6} "
        f"{'torch AdamW':>11} | {'wall s/epoch: bare':>18} {'trainer':>8} {'ratio':>6}"
    )
    worst = 0.0
    for name in args.models.split(","):
        best = measure(name, args.rounds)
        (bare_cpu, bare_wall), (ours_cpu, ours_wall) = best["bare"], best["trainer"]
        ratio = ours_cpu / bare_cpu
        worst = max(worst, ratio)
        print(
            f"{name:<9} {get(name).defaults['epochs']:>6} | {bare_cpu:>17.3f} {ours_cpu:>8.3f} "
            f"{ratio:>6.3f} {best['torch_adamw'][0]:>11.3f} | {bare_wall:>18.3f} "
            f"{ours_wall:>8.3f} {ours_wall / bare_wall:>6.3f}",
            flush=True,
        )
    print(f"worst CPU-time ratio {worst:.3f} (target <= 1.10)")


if __name__ == "__main__":
    main()
