"""Leeches: the lapse that reaches the settings' threshold marks the card (and, with the
"suspend" action, suspends it) in the rating's transaction; undo takes it back; stats (the
service, `studytool stats [--json]`, the app's stats screen) list leeches; JSON export and
import carry the flag, and an export without it still imports. Real databases throughout."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from export_helpers import read_export
from test_cards_cli import DECK  # four questions, d1-q0..d1-q3
from test_srs_service import Clock
from test_tui_support import (
    make_app,
    open_screen,
    press,
    service_for,
)
from textual.widgets import DataTable

from studytool.config import Settings
from studytool.errors import StudytoolError
from studytool.exchange.json_export import export_json
from studytool.exchange.json_import import import_json
from studytool.srs import StudyService
from studytool.store import open_db
from studytool.tui.screens.browse import BrowseScreen
from studytool.tui.screens.settings import SettingsScreen
from studytool.tui.screens.stats import StatsScreen


def studying(db: object, **settings: object) -> tuple[StudyService, dict[str, int]]:
    service = StudyService(db, clock=Clock(), tz=UTC, fuzz=False)  # type: ignore[arg-type]
    service.sync_decks([DECK])
    if settings:
        service.save_settings(replace(Settings(), **settings))
    return service, {v.question_id: v.card_id for v in service.browse()}


def lapse(service: StudyService, card_id: int) -> None:
    """Into review (Easy), then Again there: one lapse (Again in learning is none)."""
    service.rate(card_id, 4)
    service._clock.advance(days=5)  # type: ignore[attr-defined]
    service.rate(card_id, 1)


def test_the_eighth_lapse_makes_a_leech_in_its_rating(db) -> None:
    service, ids = studying(db)
    card = ids["d1-q0"]
    service.rate(ids["d1-q1"], 1)  # Again on a new card is no lapse
    service.rate(ids["d1-q1"], 1)
    for _ in range(7):
        lapse(service, card)
    assert not service.card(card).leech and service.stats().leeches == []
    lapse(service, card)
    leech = service.card(card)
    assert leech.leech and not leech.suspended  # the default action only tags it
    assert service.stats().leeches == ["d1-q0"]
    assert service.stats().to_json()["leeches"] == ["d1-q0"]
    assert [v.question_id for v in service.browse() if v.leech] == ["d1-q0"]
    lapse(service, card)  # still one leech
    assert service.stats().leeches == ["d1-q0"]


def test_a_failed_rating_marks_no_leech(tmp_path: Path) -> None:
    db = open_db(f"sqlite:///{tmp_path / 's.sqlite3'}")
    service, ids = studying(db, leech_threshold=1)
    service.rate(ids["d1-q0"], 4)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER full BEFORE INSERT ON review_log "
                             "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        service.rate(ids["d1-q0"], 1)
    assert not service.card(ids["d1-q0"]).leech  # the rating and the mark go together
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER full")
    service.rate(ids["d1-q0"], 1)
    assert service.card(ids["d1-q0"]).leech
    db.close()


def test_threshold_and_suspend_action_come_from_settings_and_undo_takes_them_back(db) -> None:
    service, ids = studying(db, leech_threshold=2, leech_action="suspend")
    card = ids["d1-q2"]
    lapse(service, card)
    assert not service.card(card).leech
    lapse(service, card)
    view = service.card(card)
    assert view.leech and view.suspended
    assert service.undo()  # the lapse that made it a leech
    view = service.card(card)
    assert not view.leech and not view.suspended and view.state == "review"
    service.rate(card, 1)  # the same lapse again: a leech again
    assert service.card(card).leech and service.card(card).suspended
    by_hand = ids["d1-q1"]
    lapse(service, by_hand)
    service.suspend(by_hand)  # suspended by the learner before it became a leech
    lapse(service, by_hand)
    assert service.card(by_hand).leech
    assert service.undo() and service.undo()  # its last lapse (and the Easy before it)
    view = service.card(by_hand)
    assert not view.leech and view.suspended  # undo takes back only what the leech did
    # Stored settings are read by a new service (another process) too.
    again = StudyService(db, tz=UTC)  # type: ignore[arg-type]
    assert (again.get_settings().leech_threshold, again.get_settings().leech_action) == (
        2, "suspend")
    for bad in ({"leech_threshold": 0}, {"leech_action": "delete"}):
        with pytest.raises(StudytoolError, match="leech"):
            service.save_settings(replace(Settings(), **bad))  # type: ignore[arg-type]


def a_leech_on_disk(tmp_path: Path) -> str:
    """A SQLite file where d1-q1 is a leech (threshold 1): its URL."""
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    db = open_db(url)
    service, ids = studying(db, leech_threshold=1)
    lapse(service, ids["d1-q1"])
    db.close()
    return url


def studytool(cmd: list[str], env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_stats_command_lists_leeches(tmp_path: Path, studytool_cmd, child_env) -> None:
    url = a_leech_on_disk(tmp_path)
    stats = json.loads(studytool(studytool_cmd, child_env, "--db", url, "stats", "--json"))
    assert stats["leeches"] == ["d1-q1"]
    text = studytool(studytool_cmd, child_env, "--db", url, "stats")
    assert "leeches            d1-q1" in text.splitlines()


def test_export_and_import_carry_the_flag_and_old_exports_still_import(tmp_path: Path,
                                                                       db) -> None:
    source = open_db(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    service, ids = studying(source, leech_threshold=1, leech_action="suspend")
    lapse(service, ids["d1-q0"])
    export_json(source, tmp_path / "a.json")
    source.close()
    document = read_export(tmp_path / "a.json")
    assert [c["leech"] for c in document["cards"]] == [True, False, False, False]
    last = document["reviews"][-1]["card_before"]
    assert (last["leech"], last["unsuspend"]) == (False, True)

    import_json(db, tmp_path / "a.json")
    target = StudyService(db, tz=UTC)
    assert target.stats().leeches == ["d1-q0"]
    assert target.undo() is False  # another session's review: nothing to undo here
    (imported,) = target.card_ids_for(["d1-q0"])
    assert target.card(imported).suspended and target.history(imported)[-1].rating == 1

    for card in document["cards"]:  # as an export from before leeches reads
        del card["leech"]
    for review in document["reviews"]:
        review["card_before"].pop("leech", None)
        review["card_before"].pop("unsuspend", None)
    document["version"] = 1  # and in its layout (one document)
    (tmp_path / "old.json").write_text(json.dumps(document), encoding="utf-8")
    fresh = open_db(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    import_json(fresh, tmp_path / "old.json")
    assert StudyService(fresh, tz=UTC).stats().leeches == []
    fresh.close()


@pytest.mark.slow
async def test_the_app_sets_leech_settings_and_its_stats_list_leeches(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, app, "o", SettingsScreen)
        from textual.widgets import Input, Select

        assert screen.query_one("#set-leech_threshold", Input).value == "8"
        screen.query_one("#set-leech_threshold", Input).value = "1"
        screen.query_one("#set-leech_action", Select).value = "suspend"
        await press(pilot, app, "ctrl+s")
        stored = service_for(app).get_settings()
        assert (stored.leech_threshold, stored.leech_action) == (1, "suspend")
        await press(pilot, app, "escape")

        other = service_for(app)
        (card,) = other.card_ids_for(["demo-q02"])
        lapse_at = other.now()
        other.rate(card, 4)
        other._clock = lambda: lapse_at + timedelta(days=5)
        other.rate(card, 1)
        assert other.card(card).suspended
        stats = await open_screen(pilot, app, "t", StatsScreen)
        numbers = str(stats.query_one("#stats-numbers").render())
        assert "Leeches  demo-q02" in numbers
        await press(pilot, app, "escape")
        browse = await open_screen(pilot, app, "b", BrowseScreen)
        table = browse.query_one("#cards", DataTable)
        marks = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[3])
                 for i in range(table.row_count)}
        assert marks["demo-q02"] == "susp leech" and marks["demo-q01"] == ""


def test_cards_command_flags_a_leech(tmp_path: Path, studytool_cmd, child_env) -> None:
    url = a_leech_on_disk(tmp_path)
    cards = json.loads(studytool(studytool_cmd, child_env, "--db", url, "cards", "--json"))
    assert [r["question_id"] for r in cards if r["leech"]] == ["d1-q1"]
