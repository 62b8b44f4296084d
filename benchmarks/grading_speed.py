"""How long a typed-answer grade takes: the first one (a cold grading process) and the next.

Targets (issue 17): the first grade within 5 s, each later one within 300 ms, on this CPU.
Each round measures, side by side, with the load average beside each timing:
- reference: a child that only imports torch (`python -c "import torch"`);
- cli, empty cache: `studytool grade QID ANSWER --json` in a new STUDYTOOL_HOME, the first
  grade ever on a machine (every deck text it needs is embedded, then cached on disk);
- cli: the same command again (new answer, same home): what a learner's one-shot grade costs;
- app: a Grader in this process, as the review screen uses it: spawn, first grade at once
  (the model loading meanwhile), the decks' texts warmed (as the review screen does when it
  opens), then --grades later grades of new answers to several questions (each answer new
  to the worker), with the worker's own load time and memory.
Prints medians over --rounds, and each as a ratio to the reference of the same round.

    python benchmarks/grading_speed.py [--rounds 3] [--grades 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ANSWERS = [
    ("ch12-q12", "Backpropagation through time, truncated by detaching the state every {n} steps."),
    ("ch12-q25", "The cell state and the hidden state, number {n}."),
    ("ch12-q02", "We join the texts into one stream and cut it into pieces of {n} tokens."),
    ("ch12-q32", "Dropout zeroes activations at random with probability 0.{n} in training."),
    ("ch12-q22", "Numbers close to zero, like 1e-{n}."),
    ("ch12-q36", "model.train() turns dropout on and model.eval() turns it off ({n})."),
    ("ch12-q31", "Dropout, activation regularization and temporal AR, {n} of them."),
]


def load() -> float:
    return os.getloadavg()[0]


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds of a child command, and the 1-minute load average when it ended."""
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, load()


def rss_mb(pid: int | None) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--grades", type=int, default=20)
    args = parser.parse_args()

    from studytool.deck import load_deck
    from studytool.grading.client import Grader
    from studytool.grading.messages import request_for, warm_requests

    deck = load_deck(REPO / "questions" / "ch12.toml", use_cache=False)
    rows: dict[str, list[tuple[float, float]]] = {k: [] for k in (
        "reference", "cli empty cache", "cli", "app first", "app worker load", "app warm")}
    ratios: dict[str, list[float]] = {k: [] for k in ("cli empty cache", "cli", "app first")}
    later: list[float] = []
    later_loads: list[float] = []
    memory: list[float] = []
    for round_ in range(args.rounds):
        home = tempfile.mkdtemp(prefix="grading-speed-")
        env = {**os.environ, "STUDYTOOL_HOME": home}
        os.environ["STUDYTOOL_HOME"] = home  # the in-process Grader's child inherits it
        rows["reference"].append(timed([sys.executable, "-c", "import torch"]))
        cli = [sys.executable, "-m", "studytool", "grade", ANSWERS[0][0]]
        rows["cli empty cache"].append(
            timed([*cli, ANSWERS[0][1].format(n=round_), "--json"], env))
        rows["cli"].append(timed([*cli, ANSWERS[0][1].format(n=round_ + 100), "--json"], env))

        grader = Grader()
        started = time.perf_counter()
        grader.start()
        qid, text = ANSWERS[1]
        grader.grade(request_for(deck, qid, text.format(n=round_)))
        rows["app first"].append((time.perf_counter() - started, load()))
        rows["app worker load"].append((grader.ready_seconds or 0.0, load()))
        started = time.perf_counter()
        grader.warm(warm_requests([deck]))
        rows["app warm"].append((time.perf_counter() - started, load()))
        for n in range(args.grades):
            qid, text = ANSWERS[n % len(ANSWERS)]
            request = request_for(deck, qid, text.format(n=1000 * round_ + n))
            started = time.perf_counter()
            grader.grade(request)
            later.append(time.perf_counter() - started)
            later_loads.append(load())
        memory.append(rss_mb(grader.pid))
        grader.close()
        shutil.rmtree(home, ignore_errors=True)
        reference = rows["reference"][-1][0]
        for key in ratios:
            ratios[key].append(rows[key][-1][0] / reference)

    def line(key: str, target: str = "") -> str:
        seconds = statistics.median(s for s, _ in rows[key])
        loads = [a for _, a in rows[key]]
        ratio = f", {statistics.median(ratios[key]):.2f}x the reference" if key in ratios else ""
        return (f"{key:<18} median {seconds:6.2f} s{ratio} (load {min(loads):.1f}-"
                f"{max(loads):.1f}){target}")

    print(f"{args.rounds} rounds, {os.cpu_count()} CPUs, load average at the start "
          f"{rows['reference'][0][1]:.1f}")
    print(line("reference") + "   python -c 'import torch'")
    print(line("cli empty cache") + "   first grade ever (nothing cached)")
    print(line("cli", "; target 5 s") + "   studytool grade, one-shot")
    print(line("app first", "; target 5 s") + "   spawn + first grade, in process")
    print(line("app worker load") + "   the worker's imports, hash check, model")
    print(line("app warm") + "   embedding the deck's other texts, in the background")
    ordered = sorted(later)
    print(f"later grades       median {1000 * statistics.median(later):6.0f} ms, 90th percentile "
          f"{1000 * ordered[int(0.9 * len(ordered))]:.0f} ms, worst {1000 * ordered[-1]:.0f} ms "
          f"over {len(later)} (load {min(later_loads):.1f}-{max(later_loads):.1f}); "
          f"target 300 ms")
    print(f"worker memory      median {statistics.median(memory):.0f} MB resident")


if __name__ == "__main__":
    main()
