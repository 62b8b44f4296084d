"""Many learners on one database: each sees and changes only their own progress.

Runs on SQLite and on PostgreSQL (without a class set-up: there the rule is the store's own
scoping; tests/test_class_server.py checks the server's row-level security on top)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from studytool.errors import StudytoolError
from studytool.srs import StudyService
from studytool.store import open_db
from studytool.store.learners import add_learner, learner_names
from studytool.store.migrate import migrate
from studytool.store.models import CardRow, ReviewLogRow
from tests.test_srs_service import START, Clock, make_deck, review_all


def _service(db, clock, deck):
    service = StudyService(db, clock=clock, tz=UTC, fuzz=False)
    service.sync_decks([deck])
    return service


def test_two_learners_on_one_database_keep_their_own_progress(db):
    with db.session() as session:
        add_learner(session, "alice")
        add_learner(session, "bob")
    deck, clock = make_deck(6), Clock()
    alice = _service(db.as_learner("alice"), clock, deck)
    bob = _service(db.as_learner("bob"), clock, deck)
    assert review_all(alice, 3) == 6
    bob.rate(bob.next_card().card_id, 1)
    alice.save_settings(replace(alice.get_settings(), new_per_day=3))

    assert alice.stats().reviews_today == 6 and bob.stats().reviews_today == 1
    assert alice.stats().by_state["new"] == 0 and bob.stats().by_state["new"] == 5
    assert [s.reviewed_today for s in alice.deck_summaries()] == [6]
    assert [s.reviewed_today for s in bob.deck_summaries()] == [1]
    assert bob.get_settings().new_per_day != 3
    # Each learner has a card per question; neither can reach the other's by its id.
    with db.session(write=False) as session:  # the default learner's: none of these
        assert session.scalar(select(func.count()).select_from(CardRow)) == 0
    with db.as_learner(None).session(write=False) as session:
        owners = session.execute(select(CardRow.learner, func.count()).group_by(
            CardRow.learner)).all()
    assert sorted(owners) == [("alice", 6), ("bob", 6)]
    alice_card = alice.queue(limit=1) or [_any_card(db.as_learner("alice"))]
    with pytest.raises(StudytoolError):
        bob.card(alice_card[0])
    # Undo undoes one's own last review, never the other's.
    assert bob.undo() is True
    assert bob.stats().reviews_today == 0 and alice.stats().reviews_today == 6


def _any_card(db) -> int:
    with db.session(write=False) as session:
        return session.scalars(select(CardRow.id)).first()


def test_the_class_view_session_reads_everyone_and_cannot_write_progress(db):
    with db.session() as session:
        add_learner(session, "alice")
    deck, clock = make_deck(2), Clock()
    _service(db.as_learner("alice"), clock, deck)
    _service(db, clock, deck)
    everyone = db.as_learner(None)
    with everyone.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(CardRow)) == 4
    with pytest.raises(Exception, match="(?i)null|not-null|not null"), \
            everyone.session() as session:
        session.add(ReviewLogRow(card_id=1, rating=3, reviewed_at=clock(), state_before=0,
                                 card_before={}, state_after=1, due_after=clock()))


def test_an_unknown_or_odd_learner_name_is_refused_before_anything_is_written(db_url):
    open_db(db_url).close()
    for name, needle in (("nobody", "no learner 'nobody'"),
                         ("Alice", "invalid learner name"), ("a b", "invalid learner name"),
                         ("x;drop", "invalid learner name"), ("pg_admin", "invalid"),
                         ("é", "invalid"), ("a" * 64, "invalid")):
        with pytest.raises(StudytoolError, match=needle):
            open_db(db_url, name)
    db = open_db(db_url)
    with db.session(write=False) as session:
        assert learner_names(session) == ["default"]
    db.close()


def test_a_single_learner_database_migrates_into_the_default_learner(db_url):
    engine = create_engine(db_url)
    migrate(engine, target="0005_leeches")
    at = [START + timedelta(days=i) for i in range(3)]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO decks (id, title, path, fingerprint) "
                          "VALUES ('d1', 'Deck', 'd1.toml', 'x')"))
        conn.execute(text(
            "INSERT INTO cards (id, deck_id, question_id, position, text, answer, answers, tags,"
            " kind, fingerprint, state, due, suspended, archived, leech) VALUES (1, 'd1', "
            "'d1-q00', 0, 'question 0', 'answer 0', '[]', '[]', '', 'f', 2, :due, :no, :no, "
            ":no)"), {"due": at[2], "no": False})
        for moment in at:
            conn.execute(text(
                "INSERT INTO review_log (card_id, rating, reviewed_at, state_before, "
                "card_before, state_after, due_after) VALUES (1, 3, :at, 0, '{}', 2, :at)"),
                {"at": moment})
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('new_per_day', '7')"))
        conn.execute(text("INSERT INTO exercise_progress (name, done, attempts, hints_shown) "
                          "VALUES ('gru', :yes, 2, 0)"), {"yes": True})
    engine.dispose()
    db = open_db(db_url)
    assert db.learner == "default"
    service = StudyService(db, clock=Clock(), tz=UTC, fuzz=False)
    assert service.get_settings().new_per_day == 7
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(ReviewLogRow)) == 3
        assert session.scalar(select(CardRow.question_id)) == "d1-q00"
    from studytool.exercises import progress

    assert progress.get(db, "gru").attempts == 2
    with db.engine.connect() as conn:  # raw SQL: every old row is the default learner's
        for table in ("cards", "review_log", "settings", "exercise_progress"):
            owners = conn.execute(text(f"SELECT DISTINCT learner FROM {table}")).all()
            assert owners == [("default",)], table
    db.close()


def _everything_alice_sees(db, clock, tmp_path) -> dict[str, object]:
    """Every view and export of one learner, with what differs between runs (file paths,
    the export's own time) taken out."""
    import re

    from studytool.exchange.api import export_to
    from studytool.srs.memory import card_memory
    from studytool.store.runs import recent_runs

    service = StudyService(db, clock=clock, tz=UTC, fuzz=False)
    from studytool.exercises import progress

    seen: dict[str, object] = {
        "exercises": progress.load_all(db),
        "stats": service.stats().to_json(),
        "decks": [s.to_json() for s in service.deck_summaries()],
        "cards": [repr(c) for c in card_memory(db, clock())],
        "runs": [r.answer for r in recent_runs(db)],
    }
    for fmt in ("json", "csv", "md"):
        path = tmp_path / f"alice.{fmt}"
        export_to(db, fmt, path)
        seen[fmt] = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(\+00:00|Z)?(?=\"?,?\s*\"?exported)", "",
                           path.read_text(encoding="utf-8"))
        seen[fmt] = re.sub(r'"exported_at": "[^"]*"', "", str(seen[fmt]))
        seen[fmt] = re.sub(r"(?m)^.*(Exported|exported).*$", "", str(seen[fmt]))
    return seen


def test_nothing_another_learner_does_shows_in_any_view_or_export_of_mine(db, tmp_path):
    from studytool.exercises import progress
    from studytool.run_record import RunRecord
    from studytool.store.runs import save_run

    with db.session() as session:
        add_learner(session, "alice")
        add_learner(session, "bob")
    deck, clock = make_deck(8), Clock()
    alice_db, bob_db = db.as_learner("alice"), db.as_learner("bob")
    alice, bob = _service(alice_db, clock, deck), _service(bob_db, clock, deck)
    review_all(alice, 3)
    save_run(alice_db, RunRecord(answer="lmmodel1", status="ok", device="cpu"))
    before = _everything_alice_sees(alice_db, clock, tmp_path)

    review_all(bob, 1)  # bob lapses everything, suspends, buries, runs, sets, exercises
    clock.advance(days=2)
    for card_id in bob.queue(limit=3):
        bob.rate(card_id, 1)
    bob.suspend(bob.queue(limit=1)[0])
    bob.save_settings(replace(bob.get_settings(), desired_retention=0.8, new_per_day=1))
    save_run(bob_db, RunRecord(answer="gru-scratch", status="ok", device="cpu"))
    progress.record_verify(bob_db, "gru", passed=True)
    clock.advance(days=-2)
    after = _everything_alice_sees(alice_db, clock, tmp_path)
    assert after == before
    assert bob.stats().to_json() != alice.stats().to_json()
