"""`studytool optimize`: too few reviews keeps the defaults; enough reviews fits parameters
with fsrs's optimizer (torch, in the command's own process) and saves them only with --save."""

from __future__ import annotations

import importlib.util
import random
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS
from sqlalchemy import insert

from studytool.exchange.document import PARAMETERS_KEY
from studytool.exchange.optimize import (
    MIN_REVIEWS,
    fit_parameters,
    load_history,
    log_loss,
    optimal_retention,
    usable_reviews,
)
from studytool.store import open_db
from studytool.store.models import CardRow, DeckRow, ReviewLogRow, SettingRow

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def build_history(url: str, cards: int, reviews_per_card: int, seed: int = 3) -> None:
    """A learner's log: growing intervals, about 15% Again (which resets the interval)."""
    rng = random.Random(seed)
    db = open_db(url)
    with db.session() as s:
        s.execute(insert(DeckRow), [{"id": "d", "title": "D", "path": "", "fingerprint": ""}])
        s.execute(insert(CardRow), [{"deck_id": "d", "question_id": f"q{i}", "text": "t",
                                     "answer": "a", "due": T0} for i in range(cards)])
        rows = []
        for card in range(1, cards + 1):
            at, interval = T0 + timedelta(hours=rng.uniform(0, 48)), 1.0
            for k in range(reviews_per_card):
                rating = 1 if rng.random() < 0.15 else rng.choice((2, 3, 3, 3, 4))
                rows.append({"card_id": card, "rating": rating, "reviewed_at": at,
                             "duration_ms": 4000, "state_before": 0 if k == 0 else 2,
                             "card_before": {}, "state_after": 2, "due_after": at})
                interval = 1.0 if rating == 1 else interval * rng.uniform(1.8, 3.0)
                at += timedelta(days=interval, hours=rng.uniform(0, 5))
        s.execute(insert(ReviewLogRow), rows)
    db.close()


def saved_parameters(url: str):
    db = open_db(url)
    with db.session(write=False) as s:
        row = s.get(SettingRow, ("default", PARAMETERS_KEY))
    db.close()
    return None if row is None else row.value


def test_too_few_reviews_keeps_the_defaults_and_says_so(tmp_path, studytool_cmd, child_env):
    url = f"sqlite:///{tmp_path / 'few.sqlite3'}"
    build_history(url, cards=20, reviews_per_card=5)  # 80 usable reviews
    db = open_db(url)
    fit = fit_parameters(db)
    db.close()
    assert fit.usable == 80 and fit.new is None and fit.old == list(DEFAULT_PARAMETERS)
    done = subprocess.run([*studytool_cmd, "--db", url, "optimize", "--save"],
                          capture_output=True, text=True, env=child_env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"Too few to fit: fsrs needs at least {MIN_REVIEWS}" in done.stdout
    assert saved_parameters(url) is None


def test_usable_reviews_count_like_fsrs(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    build_history(url, cards=3, reviews_per_card=4)
    db = open_db(url)
    history = load_history(db)
    db.close()
    assert usable_reviews(history) == 3 * 3  # every review after a card's first is a day+ on
    loss = log_loss(history, DEFAULT_PARAMETERS)
    assert loss is not None and 0 < loss < 5


# fsrs's optimizer needs its `optimizer` extra (numpy, pandas, tqdm besides torch).
HAS_OPTIMIZER = all(importlib.util.find_spec(name) for name in ("numpy", "pandas", "tqdm"))


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_enough_reviews_fit_new_parameters_saved_only_when_asked(tmp_path, studytool_cmd,
                                                                 child_env):
    url = f"sqlite:///{tmp_path / 'many.sqlite3'}"
    build_history(url, cards=80, reviews_per_card=9)  # 640 usable reviews
    done = subprocess.run([*studytool_cmd, "--db", url, "optimize"], capture_output=True,
                          text=True, env=child_env, timeout=120)
    if not HAS_OPTIMIZER:
        # Without the extra the command says what to install, in one line, and saves nothing.
        assert done.returncode == 2
        assert done.stderr.startswith("error: fitting needs fsrs's optimizer extra")
        assert done.stderr.count("\n") == 1 and saved_parameters(url) is None
        return
    assert done.returncode == 0, done.stderr
    assert "640 a day or more after" in done.stdout and "not saved" in done.stdout
    assert saved_parameters(url) is None
    old_loss, new_loss = (float(x.split()[-1]) for x in done.stdout.split(
        "log loss on your history: ")[1].splitlines()[0].split(", "))
    assert new_loss < old_loss  # fitted to this learner: better on their own history
    best = done.stdout.split("retention that minimises your workload: ")[1].split()[0]
    assert float(best) in (0.7, 0.75, 0.8, 0.85, 0.9, 0.95)  # fsrs's candidates

    done = subprocess.run([*studytool_cmd, "--db", url, "optimize", "--save"],
                          capture_output=True, text=True, env=child_env, timeout=120)
    assert done.returncode == 0, done.stderr
    saved = saved_parameters(url)
    assert saved is not None and len(saved) == len(DEFAULT_PARAMETERS)
    assert saved != list(DEFAULT_PARAMETERS)
    shown = [float(line.split()[2]) for line in done.stdout.splitlines()
             if line.startswith("w") and line[1].isdigit()]
    assert shown == pytest.approx(saved, abs=1e-4)


def test_optimal_retention_needs_timed_reviews(tmp_path):
    url = f"sqlite:///{tmp_path / 'untimed.sqlite3'}"
    build_history(url, cards=80, reviews_per_card=9)
    db = open_db(url)
    with db.session() as s:
        s.query(ReviewLogRow).filter(ReviewLogRow.id % 2 == 0).update({"duration_ms": None})
    history = load_history(db)
    db.close()
    # fsrs simulates review time: half the reviews lack one, too few are left to use
    assert optimal_retention(history, DEFAULT_PARAMETERS) is None
