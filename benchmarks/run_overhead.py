"""What the run engine costs: start-up to the first epoch, and per-epoch slowdown.

1. `studytool run NAME` start to its first epoch line (a real CLI process, stdout a pipe),
   against a bare `python -c` that imports the answer and calls its trainer directly: the
   difference is the engine's start-up (CLI, registry, spawn, protocol).
2. Median epoch time (as the trainer measures it) inside the engine's worker against the same
   entry point called in this process with the same parameters, interleaved A/B rounds so a busy
   machine hurts both alike. Also the parent-observed gap between epoch events.

Prints medians and ratios measured in this process. Targets (issue 6): first epoch < 3 s;
engine epoch / direct epoch <= 1.05.

    python benchmarks/run_overhead.py [--answer lmmodel1] [--epochs 6] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def _default_answer() -> str:
    from studytool.runner import catalog

    return "lmmodel1" if "lmmodel1" in catalog.all_answers() else "fx-train"


def first_epoch_cli(answer: str, epochs: int) -> tuple[float, float]:
    """(seconds to the worker's start line, seconds to the first epoch line)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "studytool", "run", answer, "--epochs",
                             str(epochs)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    to_start = to_epoch = float("nan")
    for line in proc.stdout:
        if line.startswith("device ") and to_start != to_start:
            to_start = time.perf_counter() - started
        if line.startswith("epoch "):
            to_epoch = time.perf_counter() - started
            break
    proc.kill()
    proc.wait()
    return to_start, to_epoch


BARE = """
import sys, time
t0 = float(sys.argv[1])
from answers_code.context import RunContext
from studytool.runner import catalog
answer = catalog.get(sys.argv[2])
module, func = answer.entry.split(":")
entry = getattr(__import__(module, fromlist=[func]), func)
class Stop(Exception):
    pass
def emit(event):
    if event.get("event") == "epoch":
        print(time.time() - t0, flush=True)
        raise Stop
try:
    entry(RunContext(answer.params_for(False, {"epochs": int(sys.argv[3])}), "cpu", emit))
except Stop:
    pass
"""


def first_epoch_bare(answer: str, epochs: int) -> float:
    out = subprocess.run([sys.executable, "-c", BARE, str(time.time()), answer, str(epochs)],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.split()[0])


def direct_epochs(answer: str, epochs: int) -> list[float]:
    from answers_code.context import RunContext
    from studytool.runner import catalog
    from studytool.runner.worker import load_entry

    spec = catalog.get(answer)
    rows: list[dict[str, Any]] = []
    entry = load_entry(spec.entry)
    entry(RunContext(spec.params_for(False, {"epochs": epochs}), "cpu",
                     lambda e: rows.append(e) if e.get("event") == "epoch" else None))
    return [float(row["seconds"]) for row in rows]


def engine_epochs(answer: str, epochs: int) -> tuple[list[float], list[float]]:
    """(epoch seconds as the trainer measured them, gaps between epoch events in the parent)."""
    from studytool.runner import run_answer

    seen: list[float] = []
    record = run_answer(answer, {"epochs": epochs}, device="cpu",
                        on_event=lambda e: seen.append(time.perf_counter())
                        if e.get("event") == "epoch" else None)
    assert record.status == "ok", record.message
    gaps = [b - a for a, b in zip(seen, seen[1:], strict=False)]
    return [row.seconds for row in record.epochs], gaps


def main() -> None:
    os.environ.setdefault("STUDYTOOL_EXTRA_ANSWERS", "studytool_fixture_answers")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(FIXTURES), os.environ.get("PYTHONPATH", "")) if p)
    sys.path.insert(0, str(FIXTURES))
    parser = argparse.ArgumentParser()
    parser.add_argument("--answer", default=None)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    answer = args.answer or _default_answer()
    print(f"answer {answer}, {args.epochs} epochs, {args.rounds} rounds, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    cli = [first_epoch_cli(answer, args.epochs) for _ in range(args.rounds)]
    bare = [first_epoch_bare(answer, args.epochs) for _ in range(args.rounds)]
    cli_start = statistics.median(c[0] for c in cli)
    cli_first = statistics.median(c[1] for c in cli)
    bare_first = statistics.median(bare)
    print(f"start-up: `studytool run` to worker start {cli_start:.2f} s, to first epoch "
          f"{cli_first:.2f} s (target < 3 s); bare python to first epoch {bare_first:.2f} s; "
          f"ratio {cli_first / bare_first:.2f}")

    direct: list[float] = []
    engine: list[float] = []
    gaps: list[float] = []
    direct_epochs(answer, 1)  # warm this process's imports and data before timing
    for _ in range(args.rounds):
        direct += direct_epochs(answer, args.epochs)[1:]  # epoch 0 pays one-off warm-up
        seconds, gap = engine_epochs(answer, args.epochs)
        engine += seconds[1:]
        gaps += gap
    d, e, g = (statistics.median(x) for x in (direct, engine, gaps))
    print(f"per epoch: direct {d:.4f} s, in the engine {e:.4f} s (ratio {e / d:.3f}, target "
          f"<= 1.05); parent-observed gap between epoch events {g:.4f} s (ratio {g / d:.3f})")


if __name__ == "__main__":
    main()
