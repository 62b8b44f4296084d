"""Cram mode: the studied cards, lowest retrievability first, reviewed without any schedule
change and logged as cram reviews, which optimize, the retention statistics, lapses and the
optimizers' CSV leave out, while the JSON backup keeps them. The service on SQLite and
PostgreSQL, `studytool review --cram` in a child process, the app's `m` on home."""

from __future__ import annotations

import subprocess
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from export_helpers import read_export
from test_cards_cli import Clock
from test_reschedule import START
from test_srs_service import make_deck
from test_tui_support import make_app, open_screen, press, service_for, settle

from studytool.exchange.csv_log import export_csv
from studytool.exchange.json_export import export_json
from studytool.exchange.json_import import import_json
from studytool.exchange.optimize import load_history
from studytool.srs import StudyService
from studytool.srs.cram import CramSession
from studytool.srs.fsrs_bridge import snapshot
from studytool.srs.memory import card_memory
from studytool.store import open_db
from studytool.store.models import CardRow, ReviewLogRow
from studytool.tui.screens.review import ReviewScreen


def studied(db: object) -> tuple[StudyService, dict[str, int]]:
    """Six cards (even ones tagged "even"): q00-q04 studied at different times, q05 new,
    q03 suspended."""
    clock = Clock(START)
    service = StudyService(db, clock=clock, tz=UTC, fuzz=False)  # type: ignore[arg-type]
    service.sync_decks([make_deck(6)])
    ids = {v.question_id: v.card_id for v in service.browse()}
    for day, question in enumerate(["d1-q02", "d1-q00", "d1-q04", "d1-q01", "d1-q03"]):
        clock.moment = START + timedelta(days=3 * day)
        service.rate(ids[question], 4)  # Easy: into review, remembered from that day on
    service.suspend(ids["d1-q03"])
    clock.moment = START + timedelta(days=20)
    return service, ids


def stored(db: object) -> dict[int, dict]:
    with db.session(write=False) as session:  # type: ignore[attr-defined]
        return {row.id: snapshot(row) for row in session.query(CardRow)}


def test_cram_goes_lowest_recall_first_and_changes_no_schedule(db) -> None:
    service, ids = studied(db)
    recall = {m.question_id: m.retrievability for m in card_memory(db, service.now())}
    order = [q for q in sorted(recall, key=lambda q: recall[q] or 2.0)
             if q not in ("d1-q03", "d1-q05")]  # suspended, new
    assert order == ["d1-q02", "d1-q00", "d1-q04", "d1-q01"]  # studied longest ago first
    session = CramSession(service)
    assert [service.card(i).question_id for i in session.ids] == order
    assert [service.card(i).question_id for i in service.cram_queue(tag="even", limit=2)] == [
        "d1-q02", "d1-q00"]
    before = stored(db)
    retention, queue = service.stats().retention_30d, service.queue()
    first = session.next_card()
    session.rate(1)  # forgotten, in cram: no lapse, no relearning
    session.rate(3)
    assert session.next_card().question_id == "d1-q04" and session.left() == 2
    assert stored(db) == before  # no card changed: state, due, stability, flags
    assert service.stats().retention_30d == retention
    assert {m.question_id: m.lapses for m in card_memory(db, service.now())}["d1-q02"] == 0
    assert service.queue() == queue  # today's reviews and limits are as they were
    with db.session(write=False) as s:  # type: ignore[attr-defined]
        crams = s.query(ReviewLogRow).filter(ReviewLogRow.cram.is_(True)).all()
    assert [(r.card_id, r.rating) for r in crams] == [(ids["d1-q02"], 1), (ids["d1-q00"], 3)]
    assert sum(len(v) for v in load_history(db).values()) == 5  # optimize sees none of them
    assert session.undo() and session.next_card().question_id == "d1-q00"
    assert first.question_id == "d1-q02"
    with db.session(write=False) as s:  # type: ignore[attr-defined]
        assert s.query(ReviewLogRow).filter(ReviewLogRow.cram.is_(True)).count() == 1


def test_cram_undo_takes_back_a_bury_and_a_review_in_turn(db) -> None:
    service, _ids = studied(db)
    cram = CramSession(service)
    first = cram.next_card()
    assert first is not None
    cram.rate(3)
    second = cram.next_card()
    assert second is not None
    service.bury(second.card_id)
    cram.skip()
    assert cram.undo()  # the bury: that card is shown again, no longer buried
    assert cram.next_card().card_id == second.card_id
    assert service.card(second.card_id).buried_until is None
    assert cram.undo()  # then the cram review
    assert cram.next_card().card_id == first.card_id
    assert not cram.undo()


@pytest.mark.parametrize("version", [1, 2, 3])
def test_cram_reviews_stay_out_of_the_csv_and_travel_in_the_json(tmp_path: Path,
                                                                  version: int) -> None:
    db = open_db(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    service, _ids = studied(db)
    CramSession(service).rate(2)
    assert export_csv(db, tmp_path / "log.csv") == 5
    assert len((tmp_path / "log.csv").read_text().splitlines()) == 6  # header + scheduled
    export_json(db, tmp_path / "backup.json", version=version)
    reviews = read_export(tmp_path / "backup.json")["reviews"]
    assert [r.get("cram", False) for r in reviews] == [False] * 5 + [True]
    other = open_db(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    import_json(other, tmp_path / "backup.json")
    with other.session(write=False) as s:
        assert [r.cram for r in s.query(ReviewLogRow).order_by(ReviewLogRow.id)] == [
            False] * 5 + [True]


def cli(cmd: list[str], env: dict, url: str, *args: str, stdin: str = ""):
    return subprocess.run([*cmd, "--db", url, "review", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=60)


def test_review_cram_in_the_terminal(tmp_path: Path, studytool_cmd, child_env) -> None:
    path = tmp_path / "s.sqlite3"
    url = f"sqlite:///{path}"
    service, _ids = studied(open_db(url))
    before = stored(service.db)
    service.db.close()
    saved = path.read_bytes()
    refused = cli(studytool_cmd, child_env, url, "--tag", "even", stdin="3\n")
    assert refused.returncode == 2 and refused.stderr == "error: --tag and --limit go with --cram\n"
    assert path.read_bytes() == saved
    done = cli(studytool_cmd, child_env, url, "--cram", "--tag", "even", "--limit", "2",
               stdin="3\n1\n3\n")
    assert done.returncode == 2, done.stderr  # the third rating had no card: one bad line
    shown = [line.split()[2] for line in done.stdout.splitlines() if line.startswith("card ")]
    assert shown == ["d1-q02", "d1-q00"]
    assert [line for line in done.stdout.splitlines() if line.startswith("crammed")] == [
        "crammed Good: schedule unchanged", "crammed Again: schedule unchanged"]
    assert "no more cards to cram" in done.stdout
    assert "error: no card to rate" in done.stderr
    db = open_db(url)
    after = stored(db)  # (the command also synced the shipped deck: new cards beside ours)
    assert {card: after[card] for card in before} == before
    with db.session(write=False) as s:
        assert s.query(ReviewLogRow).filter(ReviewLogRow.cram.is_(True)).count() == 2


@pytest.mark.slow
async def test_the_app_crams_from_home(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)  # the app has opened the database and added the deck's cards
        other = service_for(app)
        (card,) = other.card_ids_for(["demo-q02"])
        other.rate(card, 4)
        due = other.card(card).due
        screen = await open_screen(pilot, app, "m", ReviewScreen)
        assert "cram" in str(screen.query_one("#card-info").render())
        assert screen.card is not None and screen.card.question_id == "demo-q02"
        await press(pilot, app, "space", "3")
        assert "No more cards to cram" in str(screen.query_one("#card-info").render())
        assert service_for(app).card(card).due == due
        assert [r.rating for r in service_for(app).history(card)] == [4, 3]
