"""Train each of LMModel1-7 at the book's settings for seeds 0, 1, 2 and check the accuracy
bands of issue 4: the median final accuracy must reach the floor, and LMModel5 must stay below
LMModel4 (the chapter's lesson). Prints one row per model and the wall time.

Each run is one single-threaded process (`--jobs` at a time, default 2 for a 2-core machine):
for models this small one thread per core is the fastest use of the machine.

    python benchmarks/accuracy_bands.py [--seeds 0,1,2] [--models lmmodel1,...] [--jobs 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from answers_code import book
from answers_code.registry import get

FLOORS = {
    "lmmodel1": 0.44, "lmmodel2": 0.44, "lmmodel3": 0.54, "lmmodel4": 0.60,
    "lmmodel5": 0.45, "lmmodel6": 0.64, "lmmodel7": 0.83,
}  # fmt: skip


def train(name: str, seed: int) -> dict[str, Any]:
    """One run, as the run engine's worker would do it (book settings, 1 thread, CPU)."""
    import warnings

    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    from answers_code.context import RunContext
    from answers_code.lm_answers import run_lmmodel

    params = get(name).params_for(quick=False, overrides={"seed": seed})
    return run_lmmodel(RunContext(params, "cpu", lambda event: None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--models", default=",".join(FLOORS))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    names = args.models.split(",")
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")  # children import torch, the parent never
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:
        # Longest first, so the last runs to finish are short ones.
        order = sorted(((n, s) for n in names for s in seeds), key=lambda r: -_cost(r[0]))
        futures = {run: pool.submit(train, *run) for run in order}
        results = {run: future.result() for run, future in futures.items()}
    wall = time.perf_counter() - start

    print(f"{'model':<9} {'seeds':<26} {'median':>7} {'min':>7} {'max':>7} {'band':>6} "
          f"{'pass':>5} {'s/epoch':>8} {'fastai reruns':>22}")  # fmt: skip
    medians: dict[str, float] = {}
    all_pass = True
    for name in names:
        accs = [results[(name, s)]["accuracy"] for s in seeds]
        speed = statistics.median(results[(name, s)]["seconds_per_epoch"] for s in seeds)
        medians[name] = median = statistics.median(accs)
        ok = median >= FLOORS[name]
        all_pass &= ok
        shown = " ".join(f"{a:.4f}" for a in accs)
        fastai = " ".join(f"{a:.4f}" for a in book.fastai_reruns(name))
        print(
            f"{name:<9} {shown:<26} {median:>7.4f} {min(accs):>7.4f} {max(accs):>7.4f} "
            f"{FLOORS[name]:>6.2f} {'yes' if ok else 'NO':>5} {speed:>8.3f} {fastai:>22}"
        )
    if {"lmmodel4", "lmmodel5"} <= medians.keys():
        lesson = medians["lmmodel5"] < medians["lmmodel4"]
        all_pass &= lesson
        print(f"lmmodel5 < lmmodel4: {'yes' if lesson else 'NO'} "
              f"({medians['lmmodel5']:.4f} < {medians['lmmodel4']:.4f})")  # fmt: skip
    print(f"{len(results)} runs, {args.jobs} jobs, wall {wall:.1f} s; all bands pass: {all_pass}")


def _cost(name: str) -> float:
    # Rough seconds per run, to schedule the long runs first.
    defaults = get(name).defaults
    per_epoch = {"lmmodel6": 0.5, "lmmodel7": 0.6, "lmmodel5": 0.35, "lmmodel3": 0.3}
    return float(defaults["epochs"]) * per_epoch.get(name, 0.2)


if __name__ == "__main__":
    main()
