"""Measure what correct runs of every trained answer score, and write answers_code/calibration.json.

Each run goes through the run engine exactly as `studytool run NAME --seed S` does (a worker
child process, the answer's defaults or its quick settings, one intra-op thread), for every
seed, at the book settings ("full") and at `check --quick`'s ("quick"). The file keeps, per
answer and mode: the parameters, the per-seed final figures with their min, median and max, each
run's accuracy per epoch, and the torch version, date, threads and CPU model. The checks derive
their floors from it when the catalogue loads (answers_code/calibration.py says how).

    nice python benchmarks/calibrate.py [--answers a,b] [--modes full,quick] [--seeds 0-9]
                                        [--jobs 2]
    nice python benchmarks/calibrate.py --verify [--answers a,b] [--seeds 0-9]

--verify measures instead whether `studytool run NAME --seed S` (the command itself, with a
throw-away database) passes all its checks for each answer and seed, and prints the table.
Answers measured are replaced in the file; the others are kept. Run it with at most one job per
core: two 1-thread runs in parallel use a 2-core machine best.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from answers_code import calibration
from answers_code.registry import Answer
from studytool.runner import catalog

THREADS = 1
ABOUT = ("Final figures of every trained answer run through the run engine (as `studytool run "
         "NAME --seed S`), per seed, at the book settings (full) and at `check --quick`'s "
         "(quick). Written by benchmarks/calibrate.py; the accuracy checks derive their floors "
         "from it (answers_code/calibration.py).")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def parse_seeds(text: str) -> list[int]:
    """'0-9' or '0,1,2'."""
    if "-" in text:
        first, last = text.split("-", 1)
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",") if s.strip()]


def calibrated_answers(names: list[str] | None) -> list[Answer]:
    answers = catalog.all_answers()
    chosen = [answers[n] for n in names] if names else list(answers.values())
    return [a for a in chosen if a.calibrated]


def _cost(answer: Answer, mode: str) -> float:
    epochs = answer.params_for(mode == "quick").get("epochs", 1)
    slow = 20.0 if answer.name in ("lstm-scratch", "gru-scratch", "gru-torch") else 1.0
    return float(epochs) * slow


def measure(answer: Answer, mode: str, seed: int) -> dict[str, Any]:
    """One run through the engine; its final figures, epoch accuracies and run facts."""
    from studytool.runner.engine import run_answer

    record = run_answer(answer.name, {"seed": seed}, device="cpu", quick=mode == "quick",
                        threads=THREADS)
    if record.status not in ("ok", "failed") or not record.final:
        raise RuntimeError(f"{answer.name} seed {seed} ({mode}): {record.status}: "
                           f"{record.message}\n{record.stderr_tail}")
    return {"final": record.final, "params": record.params, "torch": record.torch_version,
            "device": record.device, "seconds": record.seconds,
            "epoch_accuracy": [row.accuracy for row in record.epochs]}


def _metric_keys(answer: Answer, final: dict[str, Any]) -> list[str]:
    keys = list(answer.calibrated)
    for key, value in final.items():
        if key in keys or key.startswith("book_") or isinstance(value, bool) or not isinstance(
                value, int | float):
            continue
        if key.endswith(("accuracy", "loss", "gap", "diff")):
            keys.append(key)
    return keys


def entry(answer: Answer, mode: str, runs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    seeds = sorted(runs)
    first = runs[seeds[0]]
    metrics = {}
    for key in _metric_keys(answer, first["final"]):
        values = [float(runs[s]["final"][key]) for s in seeds if key in runs[s]["final"]]
        if len(values) == len(seeds):
            metrics[key] = {"values": values, **calibration.summary(values)}
    params = {k: v for k, v in first["params"].items() if k != "seed"}
    return {
        "params": params, "seeds": seeds, "metrics": metrics,
        "epoch_accuracy": [runs[s]["epoch_accuracy"] for s in seeds],
        "seconds": [round(runs[s]["seconds"], 2) for s in seeds],
        "torch": first["torch"], "python": platform.python_version(), "device": first["device"],
        "threads": THREADS, "cpu": cpu_model(), "cores": os.cpu_count(),
        "date": datetime.now(UTC).date().isoformat(),
    }


_WRITE = threading.Lock()


def write(answer: str, mode: str, data: dict[str, Any], path: Path) -> None:
    """Merge one (answer, mode) into the file, keeping every other entry."""
    with _WRITE:
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        current["about"] = ABOUT
        answers = current.setdefault("answers", {})
        answers.setdefault(answer, {})[mode] = data
        current["answers"] = dict(sorted(answers.items()))
        tmp = path.with_suffix(".tmp")
        tmp.write_text(dumps(current), encoding="utf-8")
        tmp.replace(path)


def dumps(data: dict[str, Any]) -> str:
    """Indented JSON with each list of numbers on one line: one line per seed list, not per
    number, so a diff of a recalibration reads as what changed."""
    text = json.dumps(data, indent=1)
    numbers = re.compile(r"\[\s*((?:-?[0-9.eE+-]+|null)(?:,\s*(?:-?[0-9.eE+-]+|null))*)\s*\]")
    return numbers.sub(lambda m: "[" + ", ".join(v.strip() for v in m[1].split(",")) + "]",
                       text) + "\n"


def calibrate(answers: list[Answer], modes: list[str], seeds: list[int], jobs: int,
              path: Path) -> None:
    work = sorted(((a, m, s) for a in answers for m in modes for s in seeds),
                  key=lambda r: -_cost(r[0], r[1]))
    pending = {(a.name, m): len(seeds) for a in answers for m in modes}
    runs: dict[tuple[str, str], dict[int, dict[str, Any]]] = {k: {} for k in pending}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(measure, a, m, s): (a, m, s) for a, m, s in work}
        for future in as_completed(futures):
            answer, mode, seed = futures[future]
            result = future.result()
            key = (answer.name, mode)
            runs[key][seed] = result
            figures = " ".join(f"{k} {result['final'][k]:.4f}" for k in answer.calibrated)
            print(f"[{time.perf_counter() - started:7.0f}s] {answer.name:<13} {mode:<5} seed "
                  f"{seed}: {figures} ({result['seconds']:.0f} s)", flush=True)
            if len(runs[key]) == pending[key]:
                write(answer.name, mode, entry(answer, mode, runs[key]), path)
                values = ", ".join(
                    f"{k} {min(v)}-{max(v)}" for k in answer.calibrated
                    for v in [[runs[key][s]["final"][k] for s in seeds]])
                print(f"  wrote {answer.name} {mode}: {values}", flush=True)


def verify_one(answer: Answer, seed: int, db: str) -> dict[str, Any]:
    """`studytool run NAME --seed S --json`, the command a learner types."""
    env = {**os.environ, "STUDYTOOL_DB": db}
    done = subprocess.run([sys.executable, "-m", "studytool", "run", answer.name, "--seed",
                           str(seed), "--device", "cpu", "--json"],
                          capture_output=True, text=True, env=env, check=False)
    result = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    return {"rc": done.returncode, "status": result.get("status", "?"),
            "final": result.get("final", {}), "checks": result.get("checks", []),
            "stderr": done.stderr.strip().splitlines()[-1:] if done.returncode else []}


def verify(answers: list[Answer], seeds: list[int], jobs: int) -> bool:
    results: dict[tuple[str, int], dict[str, Any]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/verify.sqlite"
        subprocess.run([sys.executable, "-m", "studytool", "--db", db, "decks"],
                       capture_output=True, check=False)  # create the database once
        work = sorted(((a, s) for a in answers for s in seeds), key=lambda r: -_cost(r[0], "full"))
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(verify_one, a, s, db): (a.name, s) for a, s in work}
            for future in as_completed(futures):
                results[futures[future]] = res = future.result()
                print(f"[{time.perf_counter() - started:7.0f}s] {futures[future][0]} seed "
                      f"{futures[future][1]}: rc {res['rc']}, {res['status']}", flush=True)
    print(f"{'answer':<13} " + " ".join(f"{'seed ' + str(s):>11}" for s in seeds) + "  all pass")
    every = True
    for answer in answers:
        runs = [results[(answer.name, s)] for s in seeds]
        passed = [r["rc"] == 0 and all(c["passed"] for c in r["checks"]) for r in runs]
        every &= all(passed)
        for key in answer.calibrated:
            cells = []
            for res, ok in zip(runs, passed, strict=True):
                value = res["final"].get(key)
                shown = f"{value:.4f}" if isinstance(value, float) else "-"
                cells.append(f"{shown}{'' if ok else ' FAIL'}".rjust(11))
            label = answer.name if key == answer.calibrated[0] else f"  {key}"
            print(f"{label:<13} " + " ".join(cells) + f"  {'yes' if all(passed) else 'NO'}")
        for seed, res in zip(seeds, runs, strict=True):
            for check in res["checks"]:
                if not check["passed"]:
                    print(f"  seed {seed}: {check['message']}")
            if res["stderr"]:
                print(f"  seed {seed}: {res['stderr'][0]}")
    print(f"every answer, every seed passes: {every}")
    return every


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", help="comma-separated names (default: every trained "
                        "answer with calibrated checks)")
    parser.add_argument("--modes", default="full,quick")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=calibration.PATH)
    parser.add_argument("--verify", action="store_true",
                        help="run `studytool run NAME --seed S` and print which pass")
    args = parser.parse_args()
    answers = calibrated_answers(args.answers.split(",") if args.answers else None)
    seeds = parse_seeds(args.seeds)
    started = time.perf_counter()
    if args.verify:
        ok = verify(answers, seeds, args.jobs)
        print(f"wall {time.perf_counter() - started:.0f} s")
        sys.exit(0 if ok else 1)
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(calibration.MODES)
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(sorted(unknown))}")
    print(f"calibrating {len(answers)} answers x {modes} x seeds {seeds} with {args.jobs} jobs "
          f"of {THREADS} thread on {cpu_model()}", flush=True)
    calibrate(answers, modes, seeds, args.jobs, args.out)
    print(f"wall {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
