"""How long a typed-answer grade takes: the first one (a cold grading process) and the next.

Targets (issue 17): the first grade within 5 s, each later one within 300 ms, on this CPU.
Measures, in one run, side by side:
- reference: a child that only imports torch (the floor of any cold start here);
- cold: spawn the grading process and get the first grade (what `studytool grade` pays),
  and the worker's own load time (imports, hash check, model load);
- warm: the median and worst of later grades of new answers (each answer is new to the
  worker's cache), after the deck's references were embedded (the quiz does that while the
  learner types).
Prints the ratios cold / reference and the medians over --rounds cold starts.

    python benchmarks/grading_speed.py [--rounds 3] [--grades 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
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
]


def reference_start() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--grades", type=int, default=20)
    args = parser.parse_args()

    from studytool.deck import load_deck
    from studytool.grading.client import Grader
    from studytool.grading.messages import request_for

    deck = load_deck(REPO / "questions" / "ch12.toml", use_cache=False)
    refs, colds, loads, warm = [], [], [], []
    for round_ in range(args.rounds):
        refs.append(reference_start())
        grader = Grader()
        started = time.perf_counter()
        grader.start()
        qid, text = ANSWERS[0]
        grader.grade(request_for(deck, qid, text.format(n=round_)))
        colds.append(time.perf_counter() - started)
        loads.append(grader.ready_seconds or 0.0)
        grader.warm([q.answer for q in deck.questions])
        for n in range(args.grades):
            qid, text = ANSWERS[n % len(ANSWERS)]
            request = request_for(deck, qid, text.format(n=1000 * round_ + n))
            started = time.perf_counter()
            grader.grade(request)
            warm.append(time.perf_counter() - started)
        grader.close()
    ref, cold = statistics.median(refs), statistics.median(colds)
    print(f"reference (python -c 'import torch'): median {ref:.2f} s over {args.rounds}")
    print(f"first grade, cold process:  median {cold:.2f} s (worker load "
          f"{statistics.median(loads):.2f} s), {cold / ref:.2f}x the reference; "
          f"target 5 s")
    print(f"later grades: median {1000 * statistics.median(warm):.0f} ms, "
          f"90th percentile {1000 * sorted(warm)[int(0.9 * len(warm))]:.0f} ms, "
          f"worst {1000 * max(warm):.0f} ms over {len(warm)}; target 300 ms")


if __name__ == "__main__":
    main()
