"""StudyService on real databases: queue order and limits, rating, previews, undo, bury,
suspend, deck sync, stats and settings. SQLite always; PostgreSQL too when available."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from studytool.config import Settings
from studytool.deck import Deck, Question
from studytool.errors import StudytoolError
from studytool.srs import StudyService, format_interval
from studytool.store import open_db
from studytool.store.models import CardRow, ReviewLogRow

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday noon; the day began at 04:00 UTC


class Clock:
    def __init__(self, moment: datetime = START) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def make_deck(n: int, deck_id: str = "d1", text: str = "question") -> Deck:
    questions = tuple(Question(f"{deck_id}-q{i:02d}", f"{text} {i}", f"answer {i}",
                               tags=("even",) if i % 2 == 0 else ())
                      for i in range(n))
    return Deck(deck_id, f"Deck {deck_id}", Path(f"{deck_id}.toml"), questions)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(db, clock):
    return StudyService(db, clock=clock, tz=UTC, fuzz=False)


def ids_to_questions(service: StudyService, ids: list[int]) -> list[str]:
    return [service.card(i).question_id for i in ids]


def review_all(service: StudyService, rating: int, deck_id: str | None = None) -> int:
    count = 0
    while (card := service.next_card(deck_id)) is not None and card.state == "new":
        service.rate(card.card_id, rating)
        count += 1
    return count


# -- the queue --------------------------------------------------------------------------------

def test_new_cards_come_in_deck_order_up_to_the_daily_limit_per_deck(service, clock):
    service.save_settings(replace(Settings(), new_per_day=3))
    service.sync_decks([make_deck(5, "a"), make_deck(5, "b")])
    assert ids_to_questions(service, service.queue()) == [
        "a-q00", "a-q01", "a-q02", "b-q00", "b-q01", "b-q02"]
    assert ids_to_questions(service, service.queue("b")) == ["b-q00", "b-q01", "b-q02"]
    first = service.next_card("a")
    service.rate(first.card_id, 4)  # Easy: graduates to review, due in days
    assert ids_to_questions(service, service.queue("a")) == ["a-q01", "a-q02"]  # 2 left today
    clock.advance(days=1)
    assert ids_to_questions(service, service.queue("a")) == ["a-q01", "a-q02", "a-q03"]


def test_learning_due_now_then_reviews_due_today_then_new(service, clock):
    service.sync_decks([make_deck(6)])
    cards = [service.next_card() for _ in range(1)]
    learning = service.rate(cards[0].card_id, 1)  # Again: learning, due in 1 minute
    easy = service.rate(service.next_card().card_id, 4)  # Easy: review card, due in days
    clock.moment = easy.due - timedelta(hours=1)  # the review is due later "today"
    clock.moment = max(clock.moment, learning.due)
    queue = ids_to_questions(service, service.queue())
    assert queue[0] == "d1-q00"  # learning, due now
    assert queue[1] == "d1-q01"  # review due before the day ends
    assert queue[2:] == ["d1-q02", "d1-q03", "d1-q04", "d1-q05"]  # a new day: new cards again


def test_reviews_due_after_the_day_boundary_wait(service, clock):
    service.sync_decks([make_deck(1)])
    card = service.rate(service.next_card().card_id, 4)
    # Due at card.due; the learner's day starts at 04:00 UTC.
    boundary = card.due.replace(hour=4, minute=0, second=0, microsecond=0)
    if card.due < boundary:
        boundary -= timedelta(days=1)
    clock.moment = boundary - timedelta(minutes=1)  # the previous learner-day
    assert service.queue() == []
    clock.moment = boundary  # the day the card falls due has begun
    assert service.queue() == [card.card_id]


def test_max_reviews_per_day_caps_reviews_and_new_cards_but_not_learning(service, clock):
    service.save_settings(replace(Settings(), new_per_day=10, max_reviews_per_day=4))
    service.sync_decks([make_deck(10)])
    assert len(service.queue()) == 4
    for _ in range(3):
        service.rate(service.next_card().card_id, 1)  # three new cards into learning
    clock.advance(minutes=2)
    queue = ids_to_questions(service, service.queue())
    assert queue == ["d1-q00", "d1-q01", "d1-q02", "d1-q03"]  # 3 learning + 1 new (4 - 3)


def test_suspended_buried_and_archived_cards_stay_out(service, clock):
    service.sync_decks([make_deck(4)])
    ids = service.queue()
    service.suspend(ids[0])
    until = service.bury(ids[1])
    assert until == datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # the next day boundary
    service.sync_decks([Deck("d1", "Deck d1", Path("d1.toml"), make_deck(3).questions[:3])])
    assert ids_to_questions(service, service.queue()) == ["d1-q02"]  # q03 archived
    clock.moment = until
    assert ids_to_questions(service, service.queue()) == ["d1-q01", "d1-q02"]
    service.unsuspend(ids[0])
    assert ids_to_questions(service, service.queue()) == ["d1-q00", "d1-q01", "d1-q02"]


def test_a_learning_card_comes_back_early_when_nothing_else_is_due(service, clock):
    service.sync_decks([make_deck(2)])
    first = service.next_card()
    service.rate(first.card_id, 1)  # due in 1 minute
    assert service.next_card().question_id == "d1-q01"  # the other card first
    service.rate(service.next_card().card_id, 4)
    assert service.next_card().question_id == "d1-q00"  # learn ahead (Anki: 20 minutes)


# -- rating, previews, undo ------------------------------------------------------------------

def test_previews_show_anki_style_intervals_and_match_the_rating(service, clock):
    service.sync_decks([make_deck(1)])
    card = service.next_card()
    previews = service.preview_intervals(card.card_id)
    assert previews[1] == "1m" and previews[3] == "10m"  # the learning steps (1m, 10m)
    assert previews[4].endswith("d")
    for rating in (1, 2, 3, 4):
        after = service.rate(card.card_id, rating)
        assert format_interval(after.due - clock()) == previews[rating]
        assert service.undo()


def test_rating_writes_the_card_and_its_log_row_together(service, db, clock):
    service.sync_decks([make_deck(1)])
    card = service.next_card()
    after = service.rate(card.card_id, 3, duration_ms=4200)
    assert after.state == "learning" and after.due == START + timedelta(minutes=10)
    with db.session() as session:
        log = session.scalars(select(ReviewLogRow)).one()
        assert (log.card_id, log.rating, log.duration_ms) == (card.card_id, 3, 4200)
        assert log.reviewed_at == START and log.reviewed_at.tzinfo is not None
        assert log.state_before == 0 and log.state_after == 1
        assert log.card_before["state"] == 0 and log.card_before["stability"] is None


def test_a_failed_log_write_leaves_the_card_untouched(tmp_path, clock):
    db = open_db(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    service = StudyService(db, clock=clock, tz=UTC, fuzz=False)
    service.sync_decks([make_deck(1)])
    card = service.next_card()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER full BEFORE INSERT ON review_log "
                             "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        service.rate(card.card_id, 3)
    assert service.card(card.card_id) == card
    db.close()


def test_undo_restores_the_saved_state_exactly_and_repeats(service, clock):
    service.sync_decks([make_deck(2)])
    card = service.next_card()
    states = [service.card(card.card_id)]
    for rating in (3, 3, 4, 1):
        service.rate(card.card_id, rating)
        states.append(service.card(card.card_id))
        clock.advance(days=3)
    assert len(service.history(card.card_id)) == 4
    for expected in reversed(states[:-1]):
        assert service.undo()
        # R is the chance of recall at this moment (the clock moved on): all the rest is equal.
        now = service.card(card.card_id)
        assert replace(now, retrievability=None) == replace(expected, retrievability=None)
        assert (now.retrievability is None) == (expected.retrievability is None)
    assert not service.undo()
    assert service.history(card.card_id) == []


def test_undo_does_not_clobber_a_later_review_from_another_process(service, db, clock):
    service.sync_decks([make_deck(1)])
    card = service.next_card()
    service.rate(card.card_id, 3)
    other = StudyService(db, clock=clock, tz=UTC, fuzz=False)
    clock.advance(minutes=11)
    other.rate(card.card_id, 3)
    assert not service.undo()
    assert len(service.history(card.card_id)) == 2
    assert other.undo() and service.undo()


def _stored_row(db, card_id: int) -> dict:
    """Every column of the card as the database holds it."""
    with db.session(write=False) as session:
        row = session.get(CardRow, card_id)
        return {c.name: getattr(row, c.name) for c in CardRow.__table__.columns}


def test_undo_takes_back_bury_and_suspend_in_order_and_restores_the_card_exactly(
        service, db, clock):
    service.sync_decks([make_deck(3)])
    first = service.next_card()
    service.rate(first.card_id, 3)
    rated = _stored_row(db, first.card_id)
    service.bury(first.card_id)  # a learning card, buried after its review
    buried = _stored_row(db, first.card_id)
    second = service.next_card()
    assert second.card_id != first.card_id
    before_suspend = _stored_row(db, second.card_id)
    service.suspend(second.card_id)
    assert service.next_card().card_id not in (first.card_id, second.card_id)

    assert service.last_undoable().card_id == second.card_id
    assert service.undo()  # the suspend
    assert _stored_row(db, second.card_id) == before_suspend
    assert _stored_row(db, first.card_id) == buried
    assert service.undo()  # the bury
    assert _stored_row(db, first.card_id) == rated
    assert service.undo()  # the review
    assert _stored_row(db, first.card_id)["state"] == 0 and service.history(first.card_id) == []
    assert not service.undo()


def test_undoing_a_bury_leaves_a_later_change_from_another_process_alone(service, db, clock):
    service.sync_decks([make_deck(1)])
    card = service.next_card()
    service.bury(card.card_id)
    other = StudyService(db, clock=clock, tz=UTC, fuzz=False)
    other.suspend(card.card_id)
    assert not service.undo()  # would unbury a card someone else has changed since
    assert _stored_row(db, card.card_id)["suspended"]
    assert other.undo() and service.undo()
    assert not _stored_row(db, card.card_id)["suspended"]
    assert _stored_row(db, card.card_id)["buried_until"] is None


def test_bad_ratings_and_unknown_cards_are_clear_errors(service):
    service.sync_decks([make_deck(1)])
    card = service.next_card()
    with pytest.raises(StudytoolError, match="rating must be 1"):
        service.rate(card.card_id, 5)
    with pytest.raises(StudytoolError, match="no card with id 999"):
        service.rate(999, 3)


def test_desired_retention_from_the_settings_changes_the_intervals(service, clock):
    service.sync_decks([make_deck(1)])
    card = service.next_card()
    service.rate(card.card_id, 4)
    clock.advance(days=10)
    service.save_settings(replace(Settings(), desired_retention=0.8))
    relaxed = service.rate(card.card_id, 3).due
    service.undo()
    service.save_settings(replace(Settings(), desired_retention=0.97))
    strict = service.rate(card.card_id, 3).due
    assert strict < relaxed


# -- deck sync ---------------------------------------------------------------------------------

def test_sync_keeps_progress_through_edits_archives_and_restores(service, clock, db):
    service.sync_decks([make_deck(3)])
    card = service.next_card()
    service.rate(card.card_id, 4)
    reviewed = service.card(card.card_id)

    edited = make_deck(3, text="reworded")
    plan = service.sync_decks([edited])["d1"]
    assert [q.id for q in plan.changed] == ["d1-q00", "d1-q01", "d1-q02"]
    after_edit = service.card(card.card_id)
    assert after_edit.text == "reworded 0"
    assert (after_edit.state, after_edit.due, after_edit.stability) == (
        reviewed.state, reviewed.due, reviewed.stability)

    shorter = Deck("d1", "Deck d1", Path("d1.toml"), edited.questions[1:])
    assert service.sync_decks([shorter])["d1"].archived == ("d1-q00",)
    assert service.card(card.card_id).archived
    assert len(service.history(card.card_id)) == 1  # history kept
    assert card.card_id not in service.queue()

    plan = service.sync_decks([edited])["d1"]
    assert [q.id for q in plan.restored] == ["d1-q00"]
    back = service.card(card.card_id)
    assert not back.archived and back.stability == reviewed.stability
    with db.session() as session:
        assert len(session.scalars(select(CardRow)).all()) == 3  # no duplicates


def test_an_unchanged_deck_is_skipped_and_metadata_changes_are_applied(service):
    deck = make_deck(2)
    service.sync_decks([deck])
    assert service.sync_decks([deck])["d1"].is_noop
    retagged = Deck("d1", "Deck d1", Path("d1.toml"),
                    tuple(replace(q, tags=("new-tag",)) for q in deck.questions))
    plan = service.sync_decks([retagged])["d1"]
    assert plan.is_noop  # tags are not content...
    assert {v.tags for v in service.browse()} == {("new-tag",)}  # ...but they are stored


# -- summaries, stats, browse, settings -------------------------------------------------------

def test_deck_summaries_count_today(service, clock):
    service.save_settings(replace(Settings(), new_per_day=5))
    service.sync_decks([make_deck(8, "a"), make_deck(2, "b")])
    service.rate(service.next_card("a").card_id, 1)
    summaries = {s.id: s for s in service.deck_summaries()}
    a, b = summaries["a"], summaries["b"]
    assert (a.new, a.learning, a.review, a.due_today, a.reviewed_today) == (4, 1, 0, 5, 1)
    assert (b.new, b.learning, b.review, b.due_today, b.reviewed_today) == (2, 0, 0, 2, 0)
    assert a.total == 8 and b.title == "Deck b"


def test_stats_over_a_scripted_month(service, clock):
    service.save_settings(replace(Settings(), new_per_day=20))
    service.sync_decks([make_deck(4)])
    ids = service.queue()
    for card_id in ids:
        service.rate(card_id, 4)  # all graduate to review
    recalled = failed = 0
    for _day in range(40):
        clock.advance(days=1)
        for card_id in service.queue():
            rating = 1 if card_id == ids[0] else 3
            service.rate(card_id, rating)
            recalled, failed = recalled + (rating > 1), failed + (rating == 1)
            while (card := service.next_card()) is not None:
                service.rate(card.card_id, 3)
    stats = service.stats()
    with service.db.session() as session:
        logs = session.scalars(select(ReviewLogRow)).all()
    window = [r for r in logs if r.reviewed_at >= clock() - timedelta(days=30) and
              r.state_before == 2]
    assert stats.retention_30d == round(sum(r.rating > 1 for r in window) / len(window), 4)
    today_start = clock().replace(hour=4, minute=0)
    assert stats.reviews_today == sum(r.reviewed_at >= today_start for r in logs)
    assert stats.reviews_per_day[-1] == (clock().date().isoformat(), stats.reviews_today)
    assert len(stats.reviews_per_day) == 30 and len(stats.forecast_30d) == 30
    assert sum(stats.by_state.values()) == 4
    tomorrow = today_start + timedelta(days=1)
    with service.db.session() as session:
        dues = [c.due for c in session.scalars(select(CardRow))]
    assert stats.due_tomorrow == sum(tomorrow <= d < tomorrow + timedelta(days=1) for d in dues)
    assert stats.forecast_30d[1][1] == stats.due_tomorrow
    assert sum(n for _d, n in stats.forecast_30d) == sum(d < today_start + timedelta(days=30)
                                                         for d in dues)


def test_stats_count_states_suspended_and_archived(service):
    service.sync_decks([make_deck(5)])
    ids = service.queue()
    service.rate(ids[0], 1)
    service.rate(ids[1], 4)
    service.suspend(ids[2])
    service.sync_decks([Deck("d1", "Deck d1", Path("d1.toml"), make_deck(4).questions)])
    stats = service.stats()
    assert stats.by_state == {"new": 1, "learning": 1, "review": 1, "relearning": 0,
                              "suspended": 1, "archived": 1}
    assert stats.retention_30d is None  # no review-state reviews yet
    assert stats.reviews_today == 2


def test_browse_filters_and_history(service):
    service.sync_decks([make_deck(4, "a"), make_deck(2, "b")])
    service.rate(service.next_card("a").card_id, 3)
    assert [v.question_id for v in service.browse("question 1")] == ["a-q01", "b-q01"]
    assert [v.question_id for v in service.browse(deck="b")] == ["b-q00", "b-q01"]
    assert [v.question_id for v in service.browse(state="learning")] == ["a-q00"]
    assert [v.question_id for v in service.browse(deck="a", tag="even")] == ["a-q00", "a-q02"]
    assert service.browse(suspended=True) == []
    with pytest.raises(StudytoolError, match="unknown card state"):
        service.browse(state="sleeping")
    [row] = service.history(service.browse(state="learning")[0].card_id)
    assert (row.rating, row.state_before, row.state_after) == (3, "new", "learning")


def test_settings_round_trip_and_validation(service, db):
    assert service.get_settings() == Settings()
    wanted = replace(Settings(), new_per_day=7, desired_retention=0.85, day_starts_at_hour=0)
    service.save_settings(wanted)
    assert StudyService(db).get_settings() == wanted
    for bad in (replace(wanted, new_per_day=-1), replace(wanted, desired_retention=1.5),
                replace(wanted, day_starts_at_hour=24)):
        with pytest.raises(StudytoolError):
            service.save_settings(bad)
    assert StudyService(db).get_settings() == wanted


def test_concurrent_ratings_of_one_card_are_all_kept(service, db, clock):
    import threading

    service.sync_decks([make_deck(1)])
    card = service.next_card()
    errors: list[BaseException] = []

    def rate_many() -> None:
        mine = StudyService(db, clock=clock, tz=UTC, fuzz=False)
        try:
            for _ in range(10):
                mine.rate(card.card_id, 1)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=rate_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    history = service.history(card.card_id)
    assert len(history) == 40
    # Each rating saw the state the previous one left (row lock / write lock): one chain.
    assert [h.state_before for h in history] == ["new"] + ["learning"] * 39
