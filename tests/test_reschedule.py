"""Rescheduling: a new desired retention (the service, `studytool reschedule`, the settings
screen) or new parameters (`optimize --save`) move the studied cards' due dates in the
transaction that saves them, as fsrs's own `Scheduler.reschedule_card` would place them; the
report says how many moved and the workload before and after. Real databases throughout."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating, ReviewLog, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS
from test_cards_cli import DECK, Clock
from test_tui_support import make_app, open_screen, press, service_for

from studytool.config import Settings
from studytool.exchange.optimize import save_parameters
from studytool.srs import StudyService
from studytool.store import bulk_update, open_db
from studytool.tui.screens.settings import SettingsScreen

START = datetime(2025, 3, 1, 9, tzinfo=UTC)


def studied(db: object) -> tuple[StudyService, dict[str, int]]:
    """d1-q0 and d1-q1 in review after several days of reviews, d1-q2 learning, d1-q3 new."""
    clock = Clock(START)
    service = StudyService(db, clock=clock, tz=UTC, fuzz=False)  # type: ignore[arg-type]
    service.sync_decks([DECK])
    ids = {v.question_id: v.card_id for v in service.browse()}
    plan = [("d1-q0", 3, 0), ("d1-q0", 3, 0.01), ("d1-q1", 4, 0), ("d1-q0", 3, 3),
            ("d1-q1", 3, 9), ("d1-q0", 2, 10), ("d1-q0", 3, 11), ("d1-q2", 1, 0.2)]
    for question, rating, days in plan:
        clock.moment = START + timedelta(days=days)
        service.rate(ids[question], rating)
    clock.moment = START + timedelta(days=12)
    return service, ids


def card_indexes(db: object) -> set[str]:
    with db.engine.connect() as conn:  # type: ignore[attr-defined]
        return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' "
                                        "AND tbl_name = 'cards'").scalars())


def fsrs_card(service: StudyService, card_id: int, scheduler: Scheduler) -> Card:
    """Where fsrs itself puts the card, replaying its whole history with `scheduler`."""
    logs = [ReviewLog(card_id=card_id, rating=Rating(r.rating), review_datetime=r.reviewed_at,
                      review_duration=None) for r in service.history(card_id)]
    return scheduler.reschedule_card(Card(card_id=card_id), logs)


def test_a_new_retention_moves_review_cards_where_fsrs_puts_them(db) -> None:
    service, ids = studied(db)
    before = {q: service.card(c) for q, c in ids.items()}
    moved = service.save_settings(replace(service.get_settings(), desired_retention=0.8))
    assert moved is not None and moved.cards == 3 and moved.moved == 2
    oracle = Scheduler(desired_retention=0.8, enable_fuzzing=False)
    for question in ("d1-q0", "d1-q1"):
        card = service.card(ids[question])
        expected = fsrs_card(service, ids[question], oracle)
        assert card.due == expected.due and card.due > before[question].due
        assert card.stability == pytest.approx(expected.stability)
        assert card.difficulty == pytest.approx(expected.difficulty)
    # a learning step and a new card are left where they are
    for question in ("d1-q2", "d1-q3"):
        assert service.card(ids[question]).due == before[question].due
    assert moved.after.per_day < moved.before.per_day  # a lower target asks for fewer reviews
    assert (moved.before.retention, moved.after.retention) == (0.9, 0.8)
    again = StudyService(db, clock=service._clock, tz=UTC, fuzz=False)
    assert again.get_settings().desired_retention == 0.8
    # other settings saved unchanged move nothing
    assert service.save_settings(replace(service.get_settings(), new_per_day=5)) is None


def test_a_failed_reschedule_keeps_the_old_retention_and_dates(tmp_path: Path) -> None:
    db = open_db(f"sqlite:///{tmp_path / 's.sqlite3'}")
    service, ids = studied(db)
    dues = {q: service.card(c).due for q, c in ids.items()}
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER full BEFORE UPDATE OF due ON cards "
                             "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        service.save_settings(replace(service.get_settings(), desired_retention=0.8))
    fresh = StudyService(db, clock=service._clock, tz=UTC)
    assert fresh.get_settings().desired_retention == 0.9  # the setting and the dates go together
    assert {q: fresh.card(c).due for q, c in ids.items()} == dues


def test_a_failed_bulk_reschedule_keeps_the_indexes_it_dropped(tmp_path: Path,
                                                              monkeypatch) -> None:
    """The same failure on the path a large collection takes (the moved cards' indexes
    dropped, to be built again): the rollback brings the indexes back with the dates."""
    monkeypatch.setattr(bulk_update, "REBUILD_ROWS", 1)
    db = open_db(f"sqlite:///{tmp_path / 's.sqlite3'}")
    service, ids = studied(db)
    dues = {q: service.card(c).due for q, c in ids.items()}
    indexes = card_indexes(db)
    assert {"ix_cards_state_due", "ix_cards_deck_state_due"} <= indexes
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER full BEFORE UPDATE OF due ON cards "
                             "WHEN NEW.id = (SELECT max(id) FROM cards WHERE state = 2) "
                             "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        service.save_settings(replace(service.get_settings(), desired_retention=0.8))
    fresh = StudyService(db, clock=service._clock, tz=UTC)
    assert fresh.get_settings().desired_retention == 0.9
    assert {q: fresh.card(c).due for q, c in ids.items()} == dues
    assert card_indexes(db) == indexes


def test_a_bulk_reschedule_builds_the_indexes_again(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(bulk_update, "REBUILD_ROWS", 1)
    db = open_db(f"sqlite:///{tmp_path / 's.sqlite3'}")
    service, ids = studied(db)
    indexes = card_indexes(db)
    moved = service.save_settings(replace(service.get_settings(), desired_retention=0.8))
    assert moved is not None and moved.moved == 2
    assert card_indexes(db) == indexes
    oracle = Scheduler(desired_retention=0.8, enable_fuzzing=False)
    for question in ("d1-q0", "d1-q1"):
        assert service.card(ids[question]).due == fsrs_card(service, ids[question], oracle).due
    # the queue reads through the rebuilt index: the moved cards come due on their new dates
    due = service.card(ids["d1-q1"]).due
    service._clock.moment = due  # type: ignore[attr-defined]
    assert ids["d1-q1"] in service.queue()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_the_workload_leaves_suspended_cards_out_as_the_stats_do(db) -> None:
    """A suspended card is never asked, so neither workload counts it; its due date still
    follows the new retention, for when it is unsuspended."""
    service, ids = studied(db)
    service.suspend(ids["d1-q1"])
    before = service.card(ids["d1-q1"]).due
    moved = service.save_settings(replace(service.get_settings(), desired_retention=0.8))
    assert moved is not None and moved.cards == 3 and moved.moved == 2
    assert service.card(ids["d1-q1"]).due > before  # lower retention: longer intervals
    assert moved.before.cards == moved.after.cards == 2
    shown = service.stats().workload
    assert shown is not None and (shown.cards, shown.retention) == (2, 0.8)
    assert shown.per_day == moved.after.per_day


def test_new_parameters_replay_each_history_through_fsrs(db) -> None:
    service, ids = studied(db)
    personal = list(DEFAULT_PARAMETERS)
    personal[2], personal[8] = 5.0, 1.2  # a learner who remembers Good better
    moved = save_parameters(db, personal, now=service.now())
    assert moved.cards == 3 and moved.moved >= 2
    oracle = Scheduler(parameters=personal, enable_fuzzing=False)
    fresh = StudyService(db, clock=service._clock, tz=UTC, fuzz=False)
    assert fresh.get_settings().fsrs_parameters == tuple(personal)
    for question in ("d1-q0", "d1-q1", "d1-q2"):
        card, expected = fresh.card(ids[question]), fsrs_card(fresh, ids[question], oracle)
        assert (card.due, card.state) == (expected.due, expected.state.name.lower())
        assert card.stability == pytest.approx(expected.stability)


def test_the_reschedule_command_reports_and_refuses_bad_values(tmp_path, studytool_cmd,
                                                                 child_env) -> None:
    path = tmp_path / "s.sqlite3"
    url = f"sqlite:///{path}"
    service, ids = studied(open_db(url))
    service.db.close()
    saved = path.read_bytes()
    bad = subprocess.run([*studytool_cmd, "--db", url, "reschedule", "--retention", "0.5"],
                         capture_output=True, text=True, env=child_env, timeout=60)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("error: desired retention must be between 0.70 and 0.99")
    assert path.read_bytes() == saved
    done = subprocess.run([*studytool_cmd, "--db", url, "reschedule", "--retention", "0.95"],
                          capture_output=True, text=True, env=child_env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Rescheduled 3 studied cards: 2 due dates moved; workload" in done.stdout
    assert open_db(url) and StudyService(open_db(url)).get_settings().desired_retention == 0.95


async def test_the_settings_screen_reschedules_on_a_new_retention(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        other = service_for(app)
        screen = await open_screen(pilot, app, "o", SettingsScreen)
        (card,) = other.card_ids_for(["demo-q02"])
        other.rate(card, 4)  # into review
        due = other.card(card).due
        from textual.widgets import Input

        screen.query_one("#set-desired_retention", Input).value = "0.97"
        await press(pilot, app, "ctrl+s")
        shown = [n.message for n in app._notifications]
        assert any(m.startswith("Settings saved. Rescheduled 1 studied cards: 1 due dates "
                                "moved; workload") for m in shown), shown
        assert service_for(app).card(card).due < due  # a higher target: due sooner
        assert Settings().desired_retention != service_for(app).get_settings().desired_retention
