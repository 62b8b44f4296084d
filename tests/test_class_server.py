"""A class on the real PostgreSQL server: the server itself keeps each learner to their rows.

Needs STUDYTOOL_TEST_PG (a superuser's URL; `.ci/postgres.sh` makes one). Roles are
cluster-wide, so each test makes its own names and drops them afterwards."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import UTC

import pytest
from sqlalchemy import create_engine, make_url, text

from studytool.errors import StudytoolError
from studytool.srs import StudyService
from studytool.srs.class_view import class_view
from studytool.store import open_db
from studytool.store.classroom import Member, setup_class
from tests.test_srs_service import Clock, make_deck, review_all

pytestmark = pytest.mark.postgres
PG_URL = os.environ.get("STUDYTOOL_TEST_PG")


@pytest.fixture
def school(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("a class server is PostgreSQL only")
    tag = secrets.token_hex(3)
    names = {"alice": f"alice_{tag}", "bob": f"bob_{tag}", "tina": f"tina_{tag}"}
    owner = open_db(db_url)
    setup_class(owner.engine, [Member(names["alice"], "learner", "pw-a'1"),
                               Member(names["bob"], "learner", "pw-b"),
                               Member(names["tina"], "teacher", "pw-t")])
    base = make_url(db_url)
    urls = {key: base.set(username=name, password={"alice": "pw-a'1", "bob": "pw-b",
                                                   "tina": "pw-t"}[key]).render_as_string(
        hide_password=False) for key, name in names.items()}
    yield names, urls, owner
    owner.close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
        for name in names.values():
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
    engine.dispose()


def _study(url: str, reviews: int, rating: int = 3) -> StudyService:
    service = StudyService(open_db(url), clock=Clock(), tz=UTC, fuzz=False)
    service.sync_decks([make_deck(5)])
    for _ in range(reviews):
        service.rate(service.next_card().card_id, rating)
    return service


def test_each_learner_role_reads_and_writes_only_its_own_rows_even_in_raw_sql(school):
    names, urls, owner = school
    owner_service = StudyService(owner, clock=Clock(), tz=UTC, fuzz=False)
    owner_service.sync_decks([make_deck(5)])  # the deck's content, stored by the owner
    alice, bob = _study(urls["alice"], 3), _study(urls["bob"], 1)
    assert alice.db.learner == names["alice"] and alice.stats().reviews_today == 3
    assert bob.stats().reviews_today == 1
    engine = create_engine(urls["alice"])
    with engine.begin() as conn:
        mine = conn.execute(text("SELECT count(*), min(learner), max(learner) "
                                 "FROM review_log")).one()
        assert tuple(mine) == (3, names["alice"], names["alice"])
        assert conn.execute(text("SELECT count(*) FROM review_log WHERE learner = :b"),
                            {"b": names["bob"]}).scalar() == 0
        changed = conn.execute(text("UPDATE review_log SET rating = 4 WHERE learner = :b"),
                               {"b": names["bob"]}).rowcount
        assert changed == 0
        assert conn.execute(text("DELETE FROM cards WHERE learner = :b"),
                            {"b": names["bob"]}).rowcount == 0
    with pytest.raises(Exception, match="row-level security"), engine.begin() as conn:
        conn.execute(text("INSERT INTO settings (learner, key, value) VALUES (:b, 'x', '1')"),
                     {"b": names["bob"]})
    with pytest.raises(Exception, match="permission denied"), engine.begin() as conn:
        conn.execute(text("UPDATE decks SET title = 'mine'"))
    engine.dispose()
    assert bob.stats().reviews_today == 1  # untouched by everything alice tried
    alice.db.close()
    bob.db.close()


def test_a_learner_role_cannot_study_as_someone_else(school):
    names, urls, _owner = school
    with pytest.raises(StudytoolError, match="studies as learner"):
        open_db(urls["alice"], names["bob"])
    done = subprocess.run([sys.executable, "-m", "studytool", "--db", urls["alice"],
                           "--learner", names["bob"], "stats"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: connected as")


def test_the_teacher_reads_everyone_in_the_class_view_but_changes_no_ones_rows(school):
    names, urls, owner = school
    StudyService(owner, clock=Clock(), tz=UTC, fuzz=False).sync_decks([make_deck(5)])
    alice, bob = _study(urls["alice"], 0), _study(urls["bob"], 0)
    review_all(alice, 3)
    review_all(bob, 1)
    teacher = open_db(urls["tina"])
    assert teacher.role == "teacher"
    view = class_view(teacher, Clock()())
    reviews = {line.learner: line.reviews_7d for line in view.learners}
    assert reviews[names["alice"]] == 5 and reviews[names["bob"]] == 5
    engine = create_engine(urls["tina"])
    with engine.begin() as conn:
        assert conn.execute(text("UPDATE review_log SET rating = 4")).rowcount == 0
        assert conn.execute(text("SELECT count(DISTINCT learner) FROM review_log")).scalar() == 2
    engine.dispose()
    for service in (alice, bob):
        service.db.close()
    teacher.close()
