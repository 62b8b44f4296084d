"""Optimizing at scale: personal FSRS parameters fitted to 100,000 reviews by the two
optimizers there are, side by side on the same review log.

- py-fsrs's `Optimizer` (the `fsrs[optimizer]` extra: torch, numpy, pandas, tqdm), which
  `studytool optimize` used first;
- `fsrs-rs-python`, Python bindings of fsrs-rs, the Rust optimizer Anki itself runs.

The log is simulated: cards reviewed when fsrs schedules them (a little late, sometimes much
later), recalled with the retrievability a hidden "true" parameter set gives, Again when
forgotten. 80% of the cards are fitted; the other 20% are held out. Both parameter sets are
scored by the same computation, `studytool.exchange.optimize.log_loss` (py-fsrs's scheduler
replays each card and scores its predicted recall), on the fitted cards and on the held-out
ones; the defaults and the true parameters are scored alike for reference. Fit times are
single runs (the slow one takes minutes); the reference is the default parameters' log loss
computed over the same reviews, timed in the same process. Install sizes come from
`--sizes`: the du of each optimizer's files in throwaway venvs (see `measure_sizes`).

    python benchmarks/optimize_scale.py [--reviews 100000] [--skip-py] [--sizes]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from studytool.exchange.optimize import History, log_loss, usable_reviews

T0 = datetime(2025, 1, 1, tzinfo=UTC)
# A learner who forgets faster than fsrs's defaults assume, and for whom Hard and Easy matter
# more: what a personal fit should find.
TRUE = list(DEFAULT_PARAMETERS)
TRUE[0:4] = [0.1, 0.6, 1.5, 5.0]
TRUE[8], TRUE[15], TRUE[16] = 1.4, 0.4, 2.4


def simulate(reviews: int, per_card: int = 10, seed: int = 7) -> History:
    """About `reviews` reviews of `reviews // per_card` cards, at most `per_card` each."""
    rng = random.Random(seed)
    truth = Scheduler(parameters=TRUE, enable_fuzzing=False)
    history: History = {}
    for card_id in range(1, reviews // per_card + 1):
        at = T0 + timedelta(days=rng.uniform(0, 90))
        card = Card(card_id=card_id, due=at)
        log = history[card_id] = []
        for _ in range(per_card):
            if card.stability is None:
                rating = rng.choices((1, 2, 3, 4), (0.25, 0.1, 0.5, 0.15))[0]
            elif rng.random() < truth.get_card_retrievability(card, at):
                rating = rng.choices((2, 3, 4), (0.15, 0.7, 0.15))[0]
            else:
                rating = 1
            log.append((at, rating, rng.randint(3000, 15000)))
            card, _ = truth.review_card(card, Rating(rating), at)
            late = card.due - at
            # mostly on time, now and then much later (holidays): the forgetting curve shows
            at = card.due + late * (rng.uniform(0, 0.3) if rng.random() < 0.8 else
                                    rng.uniform(0.5, 3))
    return history


def split(history: History, held_out: float = 0.2) -> tuple[History, History]:
    cards = sorted(history)
    random.Random(1).shuffle(cards)
    cut = int(len(cards) * held_out)
    return ({c: history[c] for c in cards[cut:]}, {c: history[c] for c in cards[:cut]})


def fit_py_fsrs(history: History) -> list[float]:
    import torch
    from fsrs import ReviewLog
    from fsrs.optimizer import Optimizer

    torch.set_num_threads(1)  # as `optimize` ran it: tiny tensors
    logs = [ReviewLog(card_id=c, rating=Rating(r), review_datetime=at, review_duration=d)
            for c, reviews in history.items() for at, r, d in reviews]
    return [float(v) for v in Optimizer(logs).compute_optimal_parameters()]


def fit_fsrs_rs(history: History) -> list[float]:
    from studytool.exchange.optimize import fit_with_fsrs_rs

    return fit_with_fsrs_rs(history)


def measure_sizes() -> None:
    """Fresh venvs: fsrs alone; torch 2.13.0's CPU build (which every studytool install has)
    and then fsrs[optimizer]; fsrs plus fsrs-rs-python. The du of each site-packages (pip
    itself left out) after each step: what an optimizer adds is the step's growth."""
    plans = [[["fsrs==6.3.2"]], [["torch==2.13.0"], ["fsrs[optimizer]==6.3.2"]],
             [["fsrs==6.3.2", "fsrs-rs-python==0.9.3"]]]
    with tempfile.TemporaryDirectory() as folder:
        sizes: dict[str, int] = {}
        for n, steps in enumerate(plans):
            venv = Path(folder) / f"v{n}"
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            site = next(venv.glob("lib/python*/site-packages"))
            for step in steps:
                subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *step], check=True,
                               capture_output=True)
                sizes[" ".join(step)] = _du(site) - sum(_du(p) for p in site.glob("pip*"))
        torch = sizes["torch==2.13.0"]
        base = sizes["fsrs==6.3.2"]
        print(f"  fsrs alone                       {base / 1e6:8.1f} MB")
        print(f"  torch 2.13.0 (CPU) and its deps  {torch / 1e6:8.1f} MB (studytool has it)")
        print(f"  fsrs[optimizer] beyond torch     "
              f"{(sizes['fsrs[optimizer]==6.3.2'] - torch) / 1e6:8.1f} MB (numpy, pandas, tqdm...)")
        print(f"  fsrs-rs-python beyond fsrs       "
              f"{(sizes['fsrs==6.3.2 fsrs-rs-python==0.9.3'] - base) / 1e6:8.1f} MB")


def _du(path: Path) -> int:
    if not path.exists():
        return 0
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True,
                              check=True).stdout.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--skip-py", action="store_true", help="leave py-fsrs's optimizer out")
    parser.add_argument("--sizes", action="store_true", help="also measure install sizes")
    args = parser.parse_args()
    history = simulate(args.reviews)
    fitted, held = split(history)
    print(f"{sum(map(len, history.values())):,} simulated reviews of {len(history):,} cards; "
          f"fitted on {len(fitted):,} cards ({usable_reviews(fitted):,} usable reviews), "
          f"{len(held):,} held out")
    t0 = time.perf_counter()
    log_loss(fitted, DEFAULT_PARAMETERS)
    reference_s = time.perf_counter() - t0
    print(f"reference: the defaults' log loss over the fitted reviews, {reference_s:.2f} s")
    results = {"defaults": (list(DEFAULT_PARAMETERS), None),
               "true parameters": (TRUE, None)}
    fitters = {"fsrs-rs-python": fit_fsrs_rs}
    if not args.skip_py:
        fitters["py-fsrs Optimizer"] = fit_py_fsrs
    for name, fit in fitters.items():
        t0 = time.perf_counter()
        parameters = fit(fitted)
        results[name] = (parameters, time.perf_counter() - t0)
    print(f"\n{'':<20} {'fit time':>10} {'x ref':>7} {'loss fitted':>12} {'loss held out':>14}")
    for name, (parameters, seconds) in results.items():
        shown = f"{seconds:9.1f}s {seconds / reference_s:7.1f}" if seconds else f"{'':>18}"
        print(f"{name:<20} {shown} {log_loss(fitted, parameters):12.4f} "
              f"{log_loss(held, parameters):14.4f}")
    if args.sizes:
        print("\ninstalled (site-packages, pip itself left out):")
        measure_sizes()


if __name__ == "__main__":
    main()
