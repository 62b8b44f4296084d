"""`studytool optimize`: too few reviews keeps the defaults; enough reviews fits parameters
with fsrs-rs (the `optimizer` extra) and saves them only with --save; without the extra it
refuses in one line."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS
from sqlalchemy import insert

from studytool.errors import StudytoolError
from studytool.exchange.document import PARAMETERS_KEY
from studytool.exchange.optimize import (
    MIN_REVIEWS,
    fit_parameters,
    fit_with_fsrs_rs,
    load_history,
    log_loss,
    optimal_retention,
    optimize_report,
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


BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "optimize_scale.py"


def simulated_learner():
    """benchmarks/optimize_scale.py's learner: cards reviewed as fsrs schedules them and
    recalled as a hidden parameter set (`TRUE`) predicts."""
    spec = importlib.util.spec_from_file_location("optimize_scale", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fsrs_rs_fits_parameters_that_fsrs_schedules_with() -> None:
    bench = simulated_learner()
    fitted, held_out = bench.split(bench.simulate(20_000))
    parameters = fit_with_fsrs_rs(fitted)
    assert len(parameters) == len(DEFAULT_PARAMETERS)  # fsrs 6's model, 21 weights
    Scheduler(parameters=parameters)  # within py-fsrs's bounds: it refuses others
    assert parameters != list(DEFAULT_PARAMETERS)
    # toward the learner: the initial stabilities move from the defaults to the true ones
    for i in range(4):
        assert abs(parameters[i] - bench.TRUE[i]) < abs(DEFAULT_PARAMETERS[i] - bench.TRUE[i])
    for history in (fitted, held_out):
        assert log_loss(history, parameters) < log_loss(history, DEFAULT_PARAMETERS)


def test_parameters_fsrs_cannot_use_are_refused(tmp_path, monkeypatch) -> None:
    """A later fsrs-rs fitting another model (FSRS-5's 19 weights, say) stops the fit with
    one line instead of saving what fsrs's scheduler would refuse at the next review."""
    import fsrs_rs_python

    class OlderModel:
        def __init__(self, _parameters) -> None:
            pass

        def compute_parameters(self, _items):
            return list(DEFAULT_PARAMETERS)[:19]

    monkeypatch.setattr(fsrs_rs_python, "FSRS", OlderModel)
    url = f"sqlite:///{tmp_path / 'many.sqlite3'}"
    build_history(url, cards=80, reviews_per_card=9)
    db = open_db(url)
    with pytest.raises(StudytoolError, match="^the optimizer's parameters do not fit fsrs's "
                                             "scheduler: Expected 21 parameters, got 19"):
        optimize_report(db, save=True)
    db.close()
    assert saved_parameters(url) is None


def test_optimize_without_the_extra_refuses_in_one_line(tmp_path, child_env) -> None:
    url = f"sqlite:///{tmp_path / 'many.sqlite3'}"
    build_history(url, cards=80, reviews_per_card=9)
    saved = (tmp_path / "many.sqlite3").read_bytes()
    # the child cannot import fsrs_rs_python, as in an install without the extra
    blocked = ("import sys; sys.modules['fsrs_rs_python'] = None; "
               "from studytool.cli import main; sys.exit(main())")
    done = subprocess.run([sys.executable, "-c", blocked, "--db", url, "optimize", "--save"],
                          capture_output=True, text=True, env=child_env, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("error: fitting needs the optimizer extra: pip install "
                           "'studytool[optimizer]' (fsrs-rs-python)\n")
    assert (tmp_path / "many.sqlite3").read_bytes() == saved


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_enough_reviews_fit_new_parameters_saved_only_when_asked(tmp_path, studytool_cmd,
                                                                 child_env):
    url = f"sqlite:///{tmp_path / 'many.sqlite3'}"
    build_history(url, cards=80, reviews_per_card=9)  # 640 usable reviews
    done = subprocess.run([*studytool_cmd, "--db", url, "optimize"], capture_output=True,
                          text=True, env=child_env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "640 a day or more after" in done.stdout and "not saved" in done.stdout
    assert saved_parameters(url) is None
    old_loss, new_loss = (float(x.split()[-1]) for x in done.stdout.split(
        "log loss on your history: ")[1].splitlines()[0].split(", "))
    assert new_loss < old_loss  # fitted to this learner: better on their own history
    best = done.stdout.split("retention that minimises your workload: ")[1].split()[0]
    assert 0.7 <= float(best) <= 0.95  # fsrs-rs's range

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


def _timed_history(again_ms: int) -> dict[int, list[tuple[datetime, int, int]]]:
    """100 cards of 8 reviews with the same ratings; a recall takes 8 s, a lapse `again_ms`."""
    pick = random.Random(0)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    history = {}
    for card in range(100):
        at, reviews = start, []
        for k in range(8):
            rating = pick.choice([1, 2, 3, 3, 3, 4])
            reviews.append((at, rating, again_ms if rating == 1 else 8000))
            at += timedelta(days=k + 1)
        history[card] = reviews
    return history


@pytest.mark.slow
def test_optimal_retention_follows_what_a_lapse_costs_this_learner():
    """The learner's own seconds reach fsrs-rs's simulation: when forgetting costs five
    minutes instead of two seconds, it pays to remember more (measured here: 0.70 -> 0.91),
    and the same history always gives the same answer."""
    cheap = optimal_retention(_timed_history(2000), DEFAULT_PARAMETERS)
    costly = optimal_retention(_timed_history(300_000), DEFAULT_PARAMETERS)
    assert cheap is not None and costly is not None
    assert 0.70 <= cheap < costly <= 0.95
    assert costly - cheap >= 0.1
    assert optimal_retention(_timed_history(300_000), DEFAULT_PARAMETERS) == costly
