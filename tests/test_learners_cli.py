"""Learners and the class view from the command line, as a learner and a teacher run them."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

import pytest
from test_deck_cli import assert_one_error_line, studytool

pytestmark = pytest.mark.slow  # child processes: about a second each


def _files(folder: Path) -> dict[str, str]:
    """Every byte of the database (its WAL and shared-memory files included)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("study.sqlite3*"))}


@pytest.fixture
def env(tmp_path, child_env):
    return dict(child_env, STUDYTOOL_DB=f"sqlite:///{tmp_path / 'study.sqlite3'}")


def _reviewed_today(env, *learner: str) -> int:
    done = studytool([*learner, "stats", "--json"], env)
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["reviews_today"])


def test_each_learner_reviews_their_own_cards_and_the_class_view_shows_both(tmp_path, env):
    listing = studytool(["learners"], env)
    assert listing.stdout == "* default\n"
    assert studytool(["learners", "add", "sam"], env).stdout == "added learner sam\n"
    assert "already here" in studytool(["learners", "add", "sam"], env).stdout
    review = subprocess_review(env, ["--learner", "sam"], "3\n3\n")
    assert review.returncode == 0, review.stderr
    assert _reviewed_today(env, "--learner", "sam") == 2
    assert _reviewed_today(env) == 0
    assert _reviewed_today(dict(env, STUDYTOOL_LEARNER="sam")) == 2
    named = json.loads(studytool(["--learner", "sam", "learners", "--json"], env).stdout)
    assert named == [{"name": "default", "current": False}, {"name": "sam", "current": True}]
    view = json.loads(studytool(["class", "--json"], env).stdout)
    week = {line["learner"]: line["reviews_7d"] for line in view["learners"]}
    assert week == {"default": 0, "sam": 2}
    text = studytool(["class"], env).stdout
    assert text.splitlines()[0].split() == ["learner", "reviews", "7d", "retention", "due",
                                            "exercises"]


def subprocess_review(env, options: list[str], keys: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "studytool", *options, "review"],
                          input=keys, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("args, needle", [
    (["--learner", "nobody", "stats"], "no learner 'nobody' in this database"),
    (["--learner", "Sam", "review"], "invalid learner name 'Sam'"),
    (["--learner", "a;b", "decks"], "invalid learner name"),
    (["--learner", "", "decks"], "invalid learner name"),
    (["learners", "add", "x y"], "invalid learner name 'x y'"),
    (["learners", "add", "pg_x"], "invalid learner name"),
])
def test_a_bad_learner_is_one_error_line_and_changes_no_byte(tmp_path, env, args, needle):
    assert studytool(["decks"], env).returncode == 0  # the database exists, migrated
    before = _files(tmp_path)
    assert needle in assert_one_error_line(studytool(args, env), 2)
    assert _files(tmp_path) == before


def test_a_class_needs_postgresql_and_a_good_roster(tmp_path, env):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,role,password\nann,learner,pw\n", encoding="utf-8")
    assert "needs a PostgreSQL" in assert_one_error_line(
        studytool(["class", "setup", str(roster)], env), 2)
    for body, needle in (("ann,learner\n", "expected name,role,password"),
                         ("Ann,learner,pw\n", "invalid learner name"),
                         ("ann,admin,pw\n", "role must be learner or teacher"),
                         ("ann,learner,\n", "a password is needed"),
                         ("ann,learner,a\nann,teacher,b\n", "listed twice"),
                         ("name,role,password\n", "names nobody")):
        roster.write_text(body, encoding="utf-8")
        assert needle in assert_one_error_line(
            studytool(["class", "setup", str(roster)], env), 2)


@pytest.mark.postgres
def test_class_setup_on_the_server_then_a_learner_studies_as_their_role(tmp_path, child_env):
    url = os.environ.get("STUDYTOOL_TEST_PG")
    if not url:
        pytest.skip("no PostgreSQL: STUDYTOOL_TEST_PG is not set")
    from sqlalchemy import create_engine, make_url

    from tests.conftest import reset_postgres

    reset_postgres(url)
    tag = secrets.token_hex(3)
    ann, tim = f"ann_{tag}", f"tim_{tag}"
    roster = tmp_path / "roster.csv"
    roster.write_text(f"{ann},learner,pw,extra\n", encoding="utf-8")
    env = dict(child_env, STUDYTOOL_DB=url)
    assert_one_error_line(studytool(["class", "setup", str(roster)], env), 2)
    probe = create_engine(url)
    with probe.connect() as conn:  # the bad roster created no role and no table
        assert conn.exec_driver_sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{ann}'"
                                    ).scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_tables WHERE schemaname = "
                                    "'public'").scalar() == 0
    probe.dispose()
    roster.write_text(f"name,role,password\n{ann},learner,pw 'a\n{tim},teacher,pw-t\n",
                      encoding="utf-8")
    done = studytool(["class", "setup", str(roster)], env)
    try:
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("class ready: 1 learners, 1 teachers")
        ann_env = dict(env, STUDYTOOL_DB=make_url(url).set(
            username=ann, password="pw 'a").render_as_string(hide_password=False))
        review = subprocess_review(ann_env, [], "3\n")
        assert review.returncode == 0, review.stderr
        assert _reviewed_today(ann_env) == 1
        assert "teacher's" in assert_one_error_line(studytool(["class"], ann_env), 2)
        assert "the teacher adds" in assert_one_error_line(
            studytool(["learners", "add", "zed"], ann_env), 2)
        tim_env = dict(env, STUDYTOOL_DB=make_url(url).set(
            username=tim, password="pw-t").render_as_string(hide_password=False))
        view = json.loads(studytool(["class", "--json"], tim_env).stdout)
        assert {line["learner"]: line["reviews_7d"] for line in view["learners"]}[ann] == 1
    finally:
        reset_postgres(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            for name in (ann, tim):
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        engine.dispose()


def test_the_teacher_exports_the_class_one_file_each_and_a_file_restores_one_learner(
        tmp_path, env):
    studytool(["learners", "add", "sam"], env)
    assert subprocess_review(env, ["--learner", "sam"], "3\n3\n3\n").returncode == 0
    assert subprocess_review(env, [], "1\n").returncode == 0
    done = studytool(["class", "export", str(tmp_path / "class")], env)
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (tmp_path / "class").iterdir())
    assert files == ["default.json", "sam.json"]
    from export_helpers import read_export

    sam = read_export(tmp_path / "class" / "sam.json")
    assert len(sam["reviews"]) == 3
    # sam's file restores sam, as a new learner of another database.
    other = dict(env, STUDYTOOL_DB=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    studytool(["learners", "add", "sam"], other)
    restored = studytool(["--learner", "sam", "import", str(tmp_path / "class" / "sam.json")],
                         other)
    assert restored.returncode == 0, restored.stderr
    assert _reviewed_today(other, "--learner", "sam") == 3
    assert _reviewed_today(other) == 0
