"""Learners reviewing at the same moment, each in their own process: nothing is lost and no
one sees "locked" (SQLite: one file, 3 processes; PostgreSQL: a class server, 6 roles).
benchmarks/class_load.py runs the same with 20 learners and prints the figures."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

pytestmark = pytest.mark.slow

# One learner's session is the benchmark's own worker (benchmarks/class_load.py --worker): it
# builds the cards, rates as fast as it can on a fake clock and prints what it committed.
BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "class_load.py"
_spec = importlib.util.spec_from_file_location("class_load_bench", BENCH)
assert _spec and _spec.loader
class_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(class_load)


def _run_all(jobs: list[tuple[str, str]], reviews: int, env: dict[str, str]) -> list[dict]:
    procs = [subprocess.Popen([sys.executable, str(BENCH), "--worker", url, learner,
                               str(reviews)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for url, learner in jobs]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_three_learners_on_one_sqlite_file_at_once_lose_nothing(tmp_path, child_env):
    from studytool.store import open_db
    from studytool.store.learners import add_learner

    url = f"sqlite:///{tmp_path / 'class.sqlite3'}"
    db = open_db(url)
    with db.session() as session:
        for name in ("ann", "ben", "cy"):
            add_learner(session, name)
    db.close()
    results = _run_all([(url, name) for name in ("ann", "ben", "cy")], 25, child_env)
    assert [r["errors"] for r in results] == [[], [], []]
    assert {r["learner"]: r["committed"] for r in results} == class_load.stored_reviews(url)
    assert all(r["committed"] == 25 for r in results)


@pytest.mark.postgres
def test_six_learner_roles_on_a_class_server_at_once_lose_nothing(child_env):
    url = os.environ.get("STUDYTOOL_TEST_PG")
    if not url:
        pytest.skip("no PostgreSQL: STUDYTOOL_TEST_PG is not set")
    from studytool.deck import load_installed
    from studytool.srs import StudyService
    from studytool.store import open_db
    from studytool.store.classroom import Member, setup_class
    from tests.conftest import reset_postgres

    reset_postgres(url)
    names = [f"load{i}_{secrets.token_hex(2)}" for i in range(6)]
    owner = open_db(url)
    setup_class(owner.engine, [Member(n, "learner", "pw") for n in names])
    StudyService(owner).sync_decks(load_installed()[0])
    owner.close()
    try:
        base = make_url(url)
        jobs = [(base.set(username=n, password="pw").render_as_string(hide_password=False), "")
                for n in names]
        results = _run_all(jobs, 15, child_env)
        assert [r["errors"] for r in results] == [[]] * 6
        assert {r["learner"]: r["committed"] for r in results} == class_load.stored_reviews(url)
        assert all(r["committed"] == 15 for r in results)
    finally:
        reset_postgres(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            for name in names:
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        engine.dispose()
