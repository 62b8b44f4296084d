"""Many learners reviewing at once: 20 processes on PostgreSQL (a class server, each process
its own learner role under row-level security) and 3 on one SQLite file.

Each process opens the database as its learner, builds its cards and rates cards as fast as
it can (a fake clock moves 10 minutes per review so cards keep coming due), and reports how
many reviews it committed, their latencies and any error. Afterwards every learner's review
log is counted: nothing may be lost, no process may see "locked". Figures are printed as
ratios to one learner reviewing alone, measured first in the same run.

    python benchmarks/class_load.py [--pg URL] [--learners 20] [--sqlite 3] [--reviews 60]

URL: a superuser's PostgreSQL URL (default $STUDYTOOL_TEST_PG); its database is emptied.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, make_url, select

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PASSWORD = "bench-pw"


def worker(url: str, learner: str | None, reviews: int) -> None:
    """One learner's session: prints one JSON line (committed reviews, latencies, errors)."""
    from dataclasses import replace

    from studytool.deck import load_installed
    from studytool.srs import StudyService
    from studytool.store import open_db

    moment = [START]
    errors: list[str] = []
    latencies: list[float] = []
    try:
        service = StudyService(open_db(url, learner), clock=lambda: moment[0], tz=UTC,
                               fuzz=False)
        learner = service.db.learner
        service.sync_decks(load_installed()[0])
        service.save_settings(replace(service.get_settings(), new_per_day=1000,
                                      max_reviews_per_day=100_000))
        for i in range(reviews):
            card = service.next_card()
            if card is None:
                moment[0] += timedelta(days=1)
                continue
            began = time.perf_counter()
            service.rate(card.card_id, 1 + i % 4)
            latencies.append(time.perf_counter() - began)
            moment[0] += timedelta(minutes=10)
    except Exception as exc:  # noqa: BLE001 - reported, counted as a failure
        errors.append(f"{type(exc).__name__}: {exc}")
    print(json.dumps({"learner": learner, "committed": len(latencies),
                      "latencies": latencies, "errors": errors}))


def run_workers(jobs: list[tuple[str, str | None]], reviews: int) -> tuple[list[dict], float]:
    began = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", url, learner or "",
                               str(reviews)], stdout=subprocess.PIPE, text=True)
             for url, learner in jobs]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    return results, time.perf_counter() - began


def stored_reviews(url: str) -> dict[str, int]:
    from studytool.store.models import ReviewLogRow

    engine = create_engine(url)
    with engine.connect() as conn:
        counts = dict(conn.execute(select(ReviewLogRow.learner, func.count()).group_by(
            ReviewLogRow.learner)).all())
    engine.dispose()
    return {str(k): int(v) for k, v in counts.items()}


def report(label: str, results: list[dict], wall: float, stored: dict[str, int],
           alone: float | None) -> float:
    latencies = sorted(x for r in results for x in r["latencies"])
    committed = sum(r["committed"] for r in results)
    lost = sum(r["committed"] - stored.get(r["learner"], 0) for r in results)
    errors = [e for r in results for e in r["errors"]]
    locked = sum("locked" in e for e in errors)
    median = statistics.median(latencies) if latencies else float("nan")
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    ratio = f"{median / alone:.2f}x alone" if alone else "reference"
    print(f"{label:<28} {len(results):>3} procs {committed:>6} reviews in {wall:6.1f} s  "
          f"median {median * 1000:6.1f} ms ({ratio})  p95 {p95 * 1000:6.1f} ms  "
          f"lost {lost}  errors {len(errors)} (locked {locked})")
    for error in errors[:3]:
        print(f"    {error[:200]}")
    return median


def setup_pg(url: str, learners: int) -> dict[str, str]:
    from studytool.deck import load_installed
    from studytool.srs import StudyService
    from studytool.store import open_db
    from studytool.store.classroom import Member, setup_class

    engine = create_engine(url)
    with engine.begin() as conn:  # an empty database, as tests/conftest.py leaves it
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    owner = open_db(url)
    names = [f"bench_l{i:02d}" for i in range(learners + 1)]  # 00 reviews alone first
    setup_class(owner.engine, [Member(n, "learner", PASSWORD) for n in names])
    StudyService(owner).sync_decks(load_installed()[0])  # the class's deck content
    owner.close()
    base = make_url(url)
    return {n: base.set(username=n, password=PASSWORD).render_as_string(hide_password=False)
            for n in names}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("STUDYTOOL_TEST_PG"))
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--sqlite", type=int, default=3)
    parser.add_argument("--reviews", type=int, default=60)
    args = parser.parse_args()
    print(f"{args.reviews} reviews per learner; cpu count {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'class.sqlite3'}"
        from studytool.store import open_db
        from studytool.store.learners import add_learner

        db = open_db(url)
        names = [f"s{i}" for i in range(args.sqlite + 1)]  # s0 reviews alone first
        with db.session() as session:
            for name in names:
                add_learner(session, name)
        db.close()
        results, wall = run_workers([(url, names[0])], args.reviews)
        alone = report("SQLite, one learner alone", results, wall, stored_reviews(url), None)
        results, wall = run_workers([(url, n) for n in names[1:]], args.reviews)
        report(f"SQLite, {len(results)} at once", results, wall, stored_reviews(url), alone)
    if not args.pg:
        print("PostgreSQL: skipped (no --pg and no STUDYTOOL_TEST_PG)")
        return
    urls = setup_pg(args.pg, args.learners)
    first, *rest = urls.items()
    results, wall = run_workers([(first[1], None)], args.reviews)
    alone = report("PostgreSQL, one learner alone", results, wall, stored_reviews(args.pg),
                   None)
    results, wall = run_workers([(u, None) for _, u in rest], args.reviews)
    report(f"PostgreSQL, {len(results)} at once", results, wall, stored_reviews(args.pg),
           alone)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3] or None, int(sys.argv[4]))
    else:
        main()
