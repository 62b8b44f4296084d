"""Store at scale: 100,000 cards and 1,000,000 review-log rows in a SQLite file.

Measures building today's queue (budget 50 ms), recording a rating (5 ms) and `stats`
(500 ms), each the median of repeated runs, and prints each as a ratio to a reference
operation timed in the same process (`SELECT max(stability) FROM cards`: a bare full scan of
the cards table, no index can answer it), so the figures can be compared across machines.

    python benchmarks/store_scale.py [--cards 100000] [--reviews 1000000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from studytool.srs import StudyService
from studytool.store import open_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BUDGET_MS = {"queue": 50.0, "rate": 5.0, "stats": 500.0}


def sqlite_time(moment: datetime) -> str:
    # The text SQLAlchemy's SQLite DateTime writes (naive UTC, fixed width).
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def card_rows(n: int, rng: random.Random) -> list[tuple]:
    rows = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.2:  # new
            state, step, stability, difficulty, due, last = 0, None, None, None, NOW, None
        else:  # 1% in learning and relearning steps, the rest in review
            state = 1 if roll < 0.205 else 3 if roll < 0.21 else 2
            step = 0 if state != 2 else None
            stability, difficulty = rng.uniform(0.5, 200.0), rng.uniform(1.0, 10.0)
            if state == 2:
                due = NOW + timedelta(days=rng.uniform(-10, 365))
            else:
                due = NOW + timedelta(minutes=rng.uniform(-60, 60))
            last = due - timedelta(days=rng.uniform(0.01, 30))
        rows.append((f"bench-{i % 10}", f"q{i:06d}", i, f"question {i}", f"answer {i}",
                     "[]", "[]", "recall", "f" * 64, state, step, stability, difficulty,
                     sqlite_time(due), sqlite_time(last) if last else None, 0, 0))
    return rows


def review_rows(n: int, cards: int, rng: random.Random) -> list[tuple]:
    before = json.dumps({"state": 2, "step": None, "stability": 10.0, "difficulty": 5.0,
                         "due": NOW.isoformat(), "last_review": None, "buried_until": None})
    span = 3 * 365 * 86400
    rows = []
    for _ in range(n):
        # History up to yesterday, so today's limits are still open for the queue.
        at = NOW - timedelta(days=1, seconds=rng.uniform(0, span))
        rows.append((rng.randint(1, cards), rng.choice((1, 2, 3, 3, 3, 4)), sqlite_time(at),
                     rng.randint(2000, 20000), rng.choice((0, 1, 2, 2, 2, 3)), before, 2,
                     sqlite_time(at + timedelta(days=3))))
    return rows


def build(db, n_cards: int, n_reviews: int) -> float:
    """Bulk load: indexes dropped, rows inserted with executemany, indexes rebuilt."""
    from studytool.store.models import CardRow, ReviewLogRow

    rng = random.Random(12)
    started = time.perf_counter()
    indexes = [*CardRow.__table__.indexes, *ReviewLogRow.__table__.indexes]
    with db.engine.begin() as conn:
        for index in indexes:
            index.drop(conn)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        # Every progress row names its learner (the raw inserts skip the column default).
        cursor.executemany("INSERT INTO decks (id, title, path, fingerprint)"
                           " VALUES (?, ?, '', '')",
                           [(f"bench-{d}", f"Bench deck {d}") for d in range(10)])
        cursor.executemany(
            "INSERT INTO cards (deck_id, question_id, position, text, answer, answers, tags,"
            " kind, fingerprint, state, step, stability, difficulty, due, last_review,"
            " suspended, archived, learner)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'default')",
            card_rows(n_cards, rng))
        chunk = 100_000
        for start in range(0, n_reviews, chunk):
            cursor.executemany(
                "INSERT INTO review_log (card_id, rating, reviewed_at, duration_ms,"
                " state_before, card_before, state_after, due_after, learner)"
                " VALUES (?,?,?,?,?,?,?,?,'default')",
                review_rows(min(chunk, n_reviews - start), n_cards, rng))
        cursor.execute("COMMIT")
    finally:
        raw.close()
    with db.engine.begin() as conn:
        for index in indexes:
            index.create(conn)
        conn.exec_driver_sql("ANALYZE")  # what `PRAGMA optimize` would do over time
    return time.perf_counter() - started


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm caches and compiled statements
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = args.keep or Path(folder.name) / "scale.sqlite3"
    db = open_db(f"sqlite:///{path}")
    seconds = build(db, args.cards, args.reviews)
    print(f"built {args.cards:,} cards and {args.reviews:,} review rows in {seconds:.1f} s "
          f"({path.stat().st_size / 1e6:.0f} MB)")

    clock = [NOW]
    service = StudyService(db, clock=lambda: clock[0], tz=UTC)
    reference = median_ms(lambda: db.engine.raw_connection().cursor().execute(
        "SELECT max(stability) FROM cards").fetchone(), 20)

    queue = service.queue()
    to_rate = iter(queue)

    def rate_one() -> None:
        service.rate(next(to_rate), 3, duration_ms=5000)
        clock[0] += timedelta(seconds=10)

    results = {
        "queue": median_ms(service.queue, 20),
        "rate": median_ms(rate_one, min(50, len(queue) - 2)),
        "stats": median_ms(service.stats, 5),
    }
    print(f"today's queue: {len(queue)} cards (limits: new {service.get_settings().new_per_day}"
          f"/deck/day, reviews {service.get_settings().max_reviews_per_day}/day)")
    print(f"reference: full scan of cards {reference:8.2f} ms")
    for name, ms in results.items():
        verdict = "ok" if ms < BUDGET_MS[name] else "OVER BUDGET"
        print(f"{name:<7} {ms:8.2f} ms   {ms / reference:6.2f}x reference   "
              f"budget {BUDGET_MS[name]:.0f} ms: {verdict}")
    db.close()
    folder.cleanup()


if __name__ == "__main__":
    main()
