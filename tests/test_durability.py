"""Durability and concurrency of reviews, for real: child processes, SQLite files, kill -9.

- An acknowledged review (its "rated ..." line was printed) is in the database after the
  process is killed at a random point, and the file passes PRAGMA integrity_check.
- Two processes reviewing one database at once lose nothing and never fail with
  "database is locked".
"""

from __future__ import annotations

import random
import re
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

KILLS = 50
CARD = re.compile(r"^card (\d+) \S+ \w+$")
RATED = re.compile(r"^rated (Again|Hard|Good|Easy): next due in \S+$")
RATINGS = {"Again": 1, "Hard": 2, "Good": 3, "Easy": 4}


def acknowledged(stdout: str) -> list[tuple[int, int]]:
    """(card id, rating) of each acknowledged review, in order."""
    reviews, card = [], None
    for line in stdout.splitlines():
        if (match := CARD.match(line)) is not None:
            card = int(match.group(1))
        elif (match := RATED.match(line)) is not None:
            assert card is not None
            reviews.append((card, RATINGS[match.group(1)]))
    return reviews


def stored(db_path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(db_path, timeout=30) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if "review_log" not in tables:  # killed before the first migration committed
            return []
        return conn.execute("SELECT card_id, rating FROM review_log ORDER BY id").fetchall()


def integrity(db_path: Path) -> str:
    with sqlite3.connect(db_path, timeout=30) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def script(n: int, rng: random.Random) -> str:
    # Again and Hard keep every card in learning (due within minutes, inside the learn-ahead
    # window), so the queue never runs dry however many reviews the stream holds.
    return "".join(rng.choice("1112") + "\n" for _ in range(n))


def start_review(cmd: list[str], env: dict[str, str], db_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*cmd, "--db", f"sqlite:///{db_path}", "review"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def kill_once(cmd, env, db_path: Path, rng: random.Random) -> tuple[int, int]:
    """One process, killed with SIGKILL at a random point; returns (acks, rows written)."""
    before = stored(db_path)
    proc = start_review(cmd, env, db_path)
    lines: list[str] = []
    target = rng.randint(0, 8)  # kill after this many acknowledgements...
    reached = threading.Event()

    def read() -> None:
        acks = 0
        for line in proc.stdout:
            lines.append(line)
            acks += line.startswith("rated ")
            if line.startswith("card ") and acks >= target:
                reached.set()
        reached.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc.stdin.write(script(400, rng))
    proc.stdin.flush()
    if rng.random() < 0.2:
        time.sleep(rng.uniform(0.0, 1.0))  # anywhere, start-up and migration included
    else:
        assert reached.wait(60), "the review never started"
        time.sleep(rng.uniform(0.0, 0.05))  # ...plus a moment: somewhere inside a review
    proc.kill()
    proc.wait(timeout=30)
    reader.join(timeout=30)  # everything printed before the kill is still in the pipe
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        try:
            stream.close()
        except BrokenPipeError:
            pass
    acks = acknowledged("".join(lines))
    after = stored(db_path)
    new_rows = after[len(before):]
    assert after[:len(before)] == before
    # Every acknowledged review is there, in order; at most one more (committed, then killed
    # before its line was printed).
    assert new_rows[:len(acks)] == acks
    assert len(acks) <= len(new_rows) <= len(acks) + 1
    assert integrity(db_path) == "ok"
    return len(acks), len(new_rows)


@pytest.mark.slow
def test_acknowledged_reviews_survive_kill_9_at_random_points(studytool_cmd, child_env,
                                                               tmp_path):
    # Two databases killed in turn by two threads: the same 50 kills in about half the time.
    outcomes: dict[int, list[tuple[int, int]] | BaseException] = {}

    def kill_loop(index: int) -> None:
        rng = random.Random(20261128 + index)
        db_path = tmp_path / f"killed{index}.sqlite3"
        try:
            outcomes[index] = [kill_once(studytool_cmd, child_env, db_path, rng)
                               for _ in range(KILLS // 2)]
            assert len(stored(db_path)) == sum(rows for _, rows in outcomes[index])
        except BaseException as exc:  # re-raised in the test's thread below
            outcomes[index] = exc

    threads = [threading.Thread(target=kill_loop, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    totals = []
    for outcome in outcomes.values():
        if isinstance(outcome, BaseException):
            raise outcome
        totals += outcome
    assert len(totals) == KILLS
    print(f"{KILLS} kills: {sum(a for a, _ in totals)} acknowledged reviews, "
          f"{sum(r for _, r in totals)} rows written, "
          f"{sum(r - a for a, r in totals)} committed but not yet acknowledged, "
          f"{sum(1 for a, _ in totals if a == 0)} kills before the first review")
    assert sum(a for a, _ in totals) >= KILLS  # the kills did land in the middle of reviewing
    assert sum(1 for a, _ in totals if a > 0) >= KILLS // 2


@pytest.mark.slow
def test_two_processes_reviewing_one_database_lose_nothing(studytool_cmd, child_env, tmp_path):
    rng = random.Random(7)
    db_path = tmp_path / "shared.sqlite3"  # fresh: both also migrate and sync at once
    procs = [start_review(studytool_cmd, child_env, db_path) for _ in range(2)]
    scripts = [script(150, rng) + "q\n" for _ in procs]
    results: dict[int, tuple[str, str]] = {}

    def feed(index: int) -> None:
        results[index] = procs[index].communicate(scripts[index], timeout=240)

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, proc in enumerate(procs):
        err = results[index][1]
        assert "locked" not in err and "Traceback" not in err, err
        assert proc.returncode == 0, err
    acks = [review for out, _err in results.values() for review in acknowledged(out)]
    assert len(acks) == 300
    assert Counter(stored(db_path)) == Counter(acks)
    assert integrity(db_path) == "ok"
