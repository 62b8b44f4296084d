"""How fast the learner gets feedback (issue 20), every figure a ratio measured in this run.

1. A card's run to its first epoch, through `start_run` as the app calls it: cold (a fresh
   worker: Python, `import torch`, the dataset) and warm (handed to the app's spare), against a
   bare `python -c "import torch"` process. Each round waits for the spare to be ready first,
   so its warm-up never competes with what is timed.
2. One epoch of the LMModel6 setup on our LSTM and GRU against nn.LSTM and nn.GRU from the same
   weights, one thread, interleaved rounds, first epochs left out (target: at most 1.3x): our
   modules as the answers train them (step by step) and with `inputs_first=True` (every
   step's input projection in one product before the loop).
3. `studytool check --full` (niced, a temporary database): its wall time against the sum of its
   answers' own seconds (each answer's time in its warm worker), i.e. how well two workers and
   the shared trainings use the two cores. `--check-json FILE` reads a saved
   `check --full --json` instead of running one (its wall is the one it printed).

    python benchmarks/feedback.py [--rounds 3] [--epochs 3] [--no-check] [--check-json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

CARD_ANSWER = "lmmodel1"


def bare_torch() -> float:
    """Seconds until a bare `python -c "import torch"` has imported it (its exit, which
    unloads torch, left out, as a run's first epoch comes before its worker's exit)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "import torch; print(flush=True)"],
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    seconds = time.perf_counter() - started
    proc.wait()
    return seconds


def first_epoch(spares: Any) -> float:
    """Seconds from `start_run` to the first epoch event; the run is cancelled then."""
    from studytool.runner import start_run

    seen = threading.Event()
    started = time.perf_counter()
    at: list[float] = []

    def on_event(event: dict[str, Any]) -> None:
        if event.get("event") == "epoch" and not seen.is_set():
            at.append(time.perf_counter() - started)
            seen.set()

    handle = start_run(CARD_ANSWER, {}, device="cpu", on_event=on_event, spares=spares)
    if not seen.wait(300):
        raise RuntimeError("no first epoch in 300 s")
    handle.cancel()
    handle.wait()
    return at[0]


def wait_ready(spares: Any) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        spare = spares.spare
        if spare is not None and spare.ready.wait(0.1):
            return
    raise RuntimeError("the spare never became ready")


def card_latency(rounds: int) -> None:
    from studytool.runner.warm import Spares

    spares = Spares()
    spares.start()
    bare, cold, warm = [], [], []
    try:
        for _ in range(rounds):
            wait_ready(spares)
            bare.append(bare_torch())
            cold.append(first_epoch(None))
            warm.append(first_epoch(spares))
    finally:
        spares.close()
    b, c, w = (statistics.median(x) for x in (bare, cold, warm))
    print(f"card run ({CARD_ANSWER}) to its first epoch, median of {rounds}: cold {c:.2f} s, "
          f"warm {w:.2f} s; bare `python -c 'import torch'` {b:.2f} s")
    print(f"  warm / bare import {w / b:.2f}, cold / bare import {c / b:.2f}, "
          f"warm / cold {w / c:.2f}")


def epoch_seconds(build: Any, which: int, epochs: int, inputs_first: bool = False) -> list[float]:
    from answers_code.context import RunContext
    from answers_code.module_answers import train_lm

    hp = {"epochs": epochs, "lr": 1e-2, "n_hidden": 64, "n_layers": 2, "sl": 16, "bs": 64,
          "vocab_sz": 30}
    model = build(hp, 0)[which]
    model.rnn.inputs_first = inputs_first  # ours only: torch's module has no such attribute
    rows = train_lm(RunContext(params={}, device="cpu", emit=lambda e: None), model, hp, 0,
                    emit=False, kind=f"benchmark {which}")
    return [float(r["seconds"]) for r in rows[1:]]  # epoch 0 pays one-off costs


def module_speed(rounds: int, epochs: int) -> None:
    import torch

    from answers_code import shared
    from answers_code.module_answers import gru_models, lstm_models

    os.environ.pop(shared.ENV, None)  # time real trainings
    torch.set_num_threads(1)
    for name, build in (("LSTM", lstm_models), ("GRU", gru_models)):
        times: dict[str, list[float]] = {"torch": [], "ours": [], "inputs first": []}
        for _ in range(rounds):  # interleaved: a busy spell slows all three alike
            times["torch"] += epoch_seconds(build, 0, epochs)
            times["ours"] += epoch_seconds(build, 1, epochs)
            times["inputs first"] += epoch_seconds(build, 1, epochs, inputs_first=True)
        t, o, f = (statistics.median(v) for v in times.values())
        print(f"LMModel6 setup epoch on nn.{name} {t:.3f} s; on our {name} {o:.3f} s, ratio "
              f"{o / t:.2f} (as trained and calibrated, step by step); with inputs_first "
              f"{f:.3f} s, ratio {f / t:.2f} (target <= 1.3)")


def check_full(saved: Path | None) -> None:
    if saved is not None:
        data = json.loads(saved.read_text(encoding="utf-8"))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                ["nice", "-n", "10", sys.executable, "-m", "studytool", "--db",
                 f"sqlite:///{tmp}/runs.sqlite3", "check", "--full", "--json"],
                capture_output=True, text=True)
        data = json.loads(out.stdout)
    wall = float(data["seconds"])  # the check's own clock, from its start to its last answer
    answers = data["answers"]
    total = sum(float(a["seconds"]) for a in answers)
    print(f"check --full: {len(answers)} answers, ok={data['ok']}, wall {wall:.1f} s; sum of "
          f"the answers' own seconds {total:.1f} s: wall / sum {wall / total:.2f} "
          f"(0.50 = both cores busy throughout)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--no-check", action="store_true", help="Leave out check --full.")
    parser.add_argument("--check-json", type=Path, help="A saved check --full --json output.")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    card_latency(args.rounds)
    module_speed(args.rounds, args.epochs)
    if not args.no_check or args.check_json:
        check_full(args.check_json)


if __name__ == "__main__":
    main()
