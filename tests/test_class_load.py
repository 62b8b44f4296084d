"""Learners reviewing at the same moment, each in their own process: nothing is lost and no
one sees "locked" (SQLite: one file, 3 processes; PostgreSQL: a class server, 6 roles).
benchmarks/class_load.py runs the same with 20 learners and prints the figures."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, func, make_url, select

from studytool.store.models import ReviewLogRow

pytestmark = pytest.mark.slow

# One learner's session: build the cards, rate as fast as possible (a fake clock moves ten
# minutes per review so cards keep coming due), print what was committed and any error.
WORKER = """
import json, sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from studytool.deck import load_installed
from studytool.srs import StudyService
from studytool.store import open_db
url, learner, reviews = sys.argv[1], sys.argv[2] or None, int(sys.argv[3])
moment = [datetime(2026, 3, 2, 12, 0, tzinfo=UTC)]
done, errors = 0, []
try:
    service = StudyService(open_db(url, learner), clock=lambda: moment[0], tz=UTC, fuzz=False)
    service.sync_decks(load_installed()[0])
    service.save_settings(replace(service.get_settings(), new_per_day=1000))
    for i in range(reviews):
        card = service.next_card()
        if card is None:
            moment[0] += timedelta(days=1)
            continue
        service.rate(card.card_id, 1 + i % 4)
        done += 1
        moment[0] += timedelta(minutes=10)
    learner = service.db.learner
except Exception as exc:
    errors.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"learner": learner, "done": done, "errors": errors}))
"""


def _run_all(jobs: list[tuple[str, str]], reviews: int, env: dict[str, str]) -> list[dict]:
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, learner, str(reviews)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for url, learner in jobs]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _stored(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = dict(conn.execute(select(ReviewLogRow.learner, func.count()).group_by(
            ReviewLogRow.learner)).all())
    engine.dispose()
    return counts


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
    assert {r["learner"]: r["done"] for r in results} == _stored(url)
    assert all(r["done"] == 25 for r in results)


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
        assert {r["learner"]: r["done"] for r in results} == _stored(url)
        assert all(r["done"] == 15 for r in results)
    finally:
        reset_postgres(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            for name in names:
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        engine.dispose()
