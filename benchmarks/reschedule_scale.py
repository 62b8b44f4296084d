"""Rescheduling at scale: 100,000 cards (80% studied) after a new desired retention, in a
SQLite file. Target: under 2 s for the whole transaction (read, move, write, workload).

Each run changes the retention (0.85 and 0.90 in turn) through `StudyService.save_settings`,
which reschedules in the transaction that saves the setting; the median of several runs is
printed as a ratio to a reference timed in the same process: a bare SELECT of every card's
scheduling columns (what any reschedule must at least read). `--replay` also times new
parameters (`optimize --save`), which replays every card's history through fsrs's
`Scheduler.reschedule_card` (slow: fsrs reviews one card at a time in Python).

    python benchmarks/reschedule_scale.py [--cards 100000] [--reviews 300000] [--replay]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC
from pathlib import Path

from store_scale import NOW, build, median_ms

from studytool.exchange.optimize import save_parameters
from studytool.srs import StudyService
from studytool.store import open_db

TARGET_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--replay", action="store_true", help="also time new parameters")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / "reschedule.sqlite3"
    db = open_db(f"sqlite:///{path}")
    seconds = build(db, args.cards, args.reviews)
    print(f"built {args.cards:,} cards and {args.reviews:,} review rows in {seconds:.1f} s")

    def select_cards() -> None:
        cursor = db.engine.raw_connection().cursor()
        cursor.execute("SELECT id, state, step, stability, difficulty, due, last_review "
                       "FROM cards WHERE archived = 0 AND state != 0").fetchall()

    reference = median_ms(select_cards, args.repeat)
    service = StudyService(db, clock=lambda: NOW, tz=UTC)
    targets = iter([0.85, 0.9] * (args.repeat + 1))
    results = []

    def one_change() -> None:
        results.append(service.save_settings(replace(service.get_settings(),
                                                     desired_retention=next(targets))))

    times = []
    one_change()  # warm
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        one_change()
        times.append(time.perf_counter() - t0)
    ms = statistics.median(times) * 1000
    last = results[-1]
    print(f"reference: SELECT of the cards' scheduling columns {reference:8.1f} ms")
    print(f"new retention: {ms:8.1f} ms  {ms / reference:6.1f}x reference  target "
          f"{TARGET_S:.0f} s: {'ok' if ms < TARGET_S * 1000 else 'OVER TARGET'}")
    print(f"  last run: {last.text() if last else 'nothing moved'}")
    if args.replay:
        from fsrs.scheduler import DEFAULT_PARAMETERS

        personal = list(DEFAULT_PARAMETERS)
        personal[8] = 1.2
        t0 = time.perf_counter()
        moved = save_parameters(db, personal, now=NOW)
        replay_ms = (time.perf_counter() - t0) * 1000
        print(f"new parameters (replay of {args.reviews:,} reviews): {replay_ms:8.1f} ms  "
              f"{replay_ms / reference:6.1f}x reference (one run)\n  {moved.text()}")
    db.close()
    folder.cleanup()


if __name__ == "__main__":
    main()
