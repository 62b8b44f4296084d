"""`studytool cards [--json]`: every card's memory state (S, D, R now, lapses, flags), through
the real command in a child process on a real SQLite database."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs.scheduler import DEFAULT_PARAMETERS

from studytool.deck import Deck, Question
from studytool.srs import StudyService
from studytool.store import open_db

DECK = Deck("d1", "Deck one", Path("d1.toml"), tuple(
    Question(f"d1-q{i}", f"Question {i}", f"Answer {i}") for i in range(4)))


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def fsrs_recall(days_since: int, stability: float) -> float:
    """FSRS-6's forgetting curve, written out: R = (1 + f t / S) ^ -decay."""
    decay = DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (-1 / decay) - 1
    return (1 + factor * days_since / stability) ** -decay


def studied(url: str) -> StudyService:
    """q0 in review (lapsed once, then back), q1 learning and suspended, q2 buried, q3 new."""
    clock = Clock(datetime.now(UTC) - timedelta(days=30))
    service = StudyService(open_db(url), clock=clock, tz=UTC, fuzz=False)
    service.sync_decks([DECK])
    ids = {v.question_id: v.card_id for v in service.browse()}
    for question, rating, later in [("d1-q0", 3, 1), ("d1-q0", 3, 2000), ("d1-q0", 1, 9000),
                                    ("d1-q0", 3, 20), ("d1-q1", 1, 5), ("d1-q2", 3, 5)]:
        clock.moment += timedelta(minutes=later)
        service.rate(ids[question], rating)
    service.suspend(ids["d1-q1"])
    clock.moment = datetime.now(UTC)
    service.bury(ids["d1-q2"])
    return service


def run(cmd: list[str], env: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, timeout=120)


def test_cards_json_lists_memory_state_and_retrievability_now(tmp_path, studytool_cmd,
                                                              child_env):
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    service = studied(url)
    stored = {v.question_id: v for v in service.browse(deck="d1")}
    service.db.close()
    done = run(studytool_cmd, child_env, "--db", url, "cards", "--deck", "d1", "--json")
    assert done.returncode == 0, done.stderr
    after = datetime.now(UTC)
    rows = {r["question_id"]: r for r in json.loads(done.stdout)}
    assert list(rows) == ["d1-q0", "d1-q1", "d1-q2", "d1-q3"]
    q0 = rows["d1-q0"]
    assert (q0["deck_id"], q0["state"], q0["lapses"]) == ("d1", "review", 1)
    assert q0["stability"] == stored["d1-q0"].stability
    assert q0["difficulty"] == stored["d1-q0"].difficulty
    assert datetime.fromisoformat(q0["due"]) == stored["d1-q0"].due
    elapsed = (after - stored["d1-q0"].last_review).days  # py-fsrs counts whole days
    assert abs(q0["retrievability"] - fsrs_recall(elapsed, q0["stability"])) < 1e-4
    assert 0 < q0["retrievability"] < 0.95  # weeks after the last review: forgetting
    assert (rows["d1-q1"]["state"], rows["d1-q1"]["suspended"]) == ("learning", True)
    assert rows["d1-q2"]["buried"] is True and rows["d1-q2"]["suspended"] is False
    assert rows["d1-q3"] == {**rows["d1-q3"], "state": "new", "stability": None,
                             "difficulty": None, "retrievability": None, "lapses": 0}
    # Reviewed the same minute, a Good keeps more than an Again: q2 is recalled better.
    assert 0 < rows["d1-q1"]["retrievability"] < rows["d1-q2"]["retrievability"] < 1


def test_cards_table_and_an_unknown_deck(tmp_path, studytool_cmd, child_env):
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    studied(url).db.close()
    done = run(studytool_cmd, child_env, "--db", url, "cards", "--deck", "d1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["question", "state", "due", "S", "D", "R", "lapses", "flags"]
    q0 = lines[1].split()
    assert q0[0] == "d1-q0" and q0[1] == "review" and q0[6].endswith("%") and q0[7] == "1"
    assert lines[2].split()[-1] == "suspended" and lines[3].split()[-1] == "buried"
    assert lines[4].split()[4:7] == ["-", "-", "-"]  # the new card: no S, D, R yet
    done = run(studytool_cmd, child_env, "--db", url, "cards", "--deck", "nope")
    assert done.returncode == 2 and done.stderr == "error: no deck 'nope'\n"
