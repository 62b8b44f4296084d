"""The Anki round trip, checked with Anki's own backend (the `anki` PyPI package): studytool's
.apkg imported by Anki's importer keeps every card's scheduling and every review, and a
package Anki itself wrote (notes reviewed with Anki's scheduler) imports into studytool as
cards with their history, through the API and the real `studytool import` command."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from anki.collection import (
    Collection,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from export_helpers import dump
from sqlalchemy import select

from studytool.deck import Deck, Question
from studytool.exchange.anki import export_apkg
from studytool.exchange.anki_import import deck_id_for, import_apkg, plain_text
from studytool.srs import StudyService, days
from studytool.store import open_db
from studytool.store.models import CardRow, ReviewLogRow

DECK = Deck("d1", "Deck one", Path("d1.toml"), tuple(
    Question(f"d1-q{i}", f"Question {i}", f"Answer {i}") for i in range(4)))
# (question index, rating, minutes after the previous review): q0 ends in review, q1 in
# learning, q2 stays new, q3 lapses (relearning) and is then suspended.
HISTORY = [(0, 3, 1), (1, 1, 2), (3, 3, 1), (0, 3, 3000), (3, 3, 1), (0, 3, 6000),
           (3, 1, 1), (1, 3, 5)]


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def studied(url: str, now: datetime, tz) -> StudyService:
    """The history above, ending about five days before `now`."""
    clock = Clock(now - timedelta(days=12))
    service = StudyService(open_db(url), clock=clock, tz=tz, fuzz=False)
    service.sync_decks([DECK])
    ids = {v.question_id: v.card_id for v in service.browse()}
    for index, rating, minutes in HISTORY:
        clock.moment += timedelta(minutes=minutes)
        service.rate(ids[f"d1-q{index}"], rating, duration_ms=minutes * 100)
    service.suspend(ids["d1-q3"])
    clock.moment = now
    return service


def anki_import(package: Path, collection: Path) -> Collection:
    col = Collection(str(collection))
    col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True)))
    return col


def through_anki(folder: Path, look: Callable[[Collection], None] = lambda col: None) -> Path:
    """`folder`/ours.apkg imported into a new Anki collection, seen (or changed) by `look`,
    and exported back by Anki with scheduling: the path of Anki's package."""
    (folder / "anki").mkdir()
    col = anki_import(folder / "ours.apkg", folder / "anki" / "collection.anki2")
    try:
        look(col)
        col.export_anki_package(out_path=str(folder / "back.apkg"), limit=None,
                                options=ExportAnkiPackageOptions(with_scheduling=True))
    finally:
        col.close()
    return folder / "back.apkg"


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"])
def test_anki_imports_our_package_with_scheduling_and_every_review(db_url, tmp_path, zone):
    tz = ZoneInfo(zone)
    now = datetime.now(UTC)
    service = studied(db_url, now, tz)
    assert export_apkg(service.db, tmp_path / "deck.apkg", now=now, tz=tz) == 4
    with service.db.session(write=False) as s:
        cards = {c.question_id: c for c in s.scalars(select(CardRow))}
        log = [(card.question_id, r) for r, card in s.execute(
            select(ReviewLogRow, CardRow).join(CardRow).order_by(ReviewLogRow.id))]
    service.db.close()
    (tmp_path / "anki").mkdir()
    col = anki_import(tmp_path / "deck.apkg", tmp_path / "anki" / "collection.anki2")
    try:
        assert col.note_count() == 4
        anki = {col.get_card(cid).note()["QuestionId"]: col.get_card(cid)
                for cid in col.find_cards("")}
        hour = 4  # the default day start, Anki's too
        # Anki counts days in the zone of the machine it runs on (here this one's): the card
        # is due on the same calendar date as in the learner's zone.
        today = days.learner_date(now, hour, None)

        review, learning, new, suspended = (anki[f"d1-q{i}"] for i in range(4))
        ours = cards["d1-q0"]
        assert (review.type, review.queue) == (2, 2)
        assert review.due - col.sched.today == (days.learner_date(ours.due, hour, tz)
                                                - today).days > 0
        assert review.ivl == (days.learner_date(ours.due, hour, tz)
                              - days.learner_date(ours.last_review, hour, tz)).days
        assert review.memory_state.stability == pytest.approx(ours.stability, abs=1e-3)
        assert review.memory_state.difficulty == pytest.approx(ours.difficulty, abs=1e-3)
        assert review.last_review_time == int(ours.last_review.timestamp())
        assert (learning.type, learning.queue) == (1, 1)
        assert learning.due == int(cards["d1-q1"].due.timestamp())
        assert learning.memory_state.stability == pytest.approx(cards["d1-q1"].stability,
                                                                abs=1e-3)
        assert (new.type, new.queue, new.reps) == (0, 0, 0)
        assert suspended.queue == -1 and suspended.type == cards["d1-q3"].state == 3
        assert (review.reps, learning.reps, suspended.reps, suspended.lapses) == (3, 2, 3, 1)
        assert set(col.find_cards("-is:new")) == {review.id, learning.id, suspended.id}

        # Every review in Anki's revlog: card, time (ms), rating, duration, kind.
        kind = {0: 0, 1: 0, 2: 1, 3: 2}
        ids = {card.id: q for q, card in anki.items()}
        revlog = col.db.all("SELECT cid, id, ease, time, type FROM revlog ORDER BY id")
        assert [(ids[cid], at, ease, ms, t) for cid, at, ease, ms, t in revlog] == [
            (q, int(r.reviewed_at.timestamp() * 1000), r.rating, r.duration_ms,
             kind[r.state_before]) for q, r in log]
        assert len(revlog) == len(HISTORY)
    finally:
        col.close()


def anki_collection(path: Path, fsrs: bool) -> Collection:
    """Notes in two decks, reviewed with Anki's own scheduler so the revlog is filled."""
    col = Collection(str(path))
    col.set_config("fsrs", fsrs)
    basic = col.models.by_name("Basic")
    reversed_ = col.models.by_name("Basic (and reversed card)")
    rnn = col.decks.id("Chapter 12::RNN")
    other = col.decks.id("Other deck")
    for i in range(3):
        note = col.new_note(basic)
        note["Front"], note["Back"] = f"What is <b>BPTT</b> {i}?<br>Explain", f"Answer &amp; {i}"
        note.tags = ["rnn", f"n{i}"]
        col.add_note(note, rnn)
    note = col.new_note(reversed_)
    note["Front"], note["Back"] = "hidden state", "h"
    col.add_note(note, other)
    for deck, ratings in ((rnn, [4, 1, 3, 3, 3, 3]), (other, [3, 3, 3])):
        col.decks.select(deck)
        for rating in ratings:
            card = col.sched.getCard()
            if card is None:
                break
            col.sched.answerCard(card, rating)
    note = col.new_note(basic)  # added after the reviews: stays new
    note["Front"], note["Back"] = "Not yet studied", "later"
    col.add_note(note, rnn)
    return col


@pytest.mark.parametrize("fsrs", [True, False], ids=["fsrs", "sm2"])
def test_a_package_anki_wrote_imports_as_cards_with_their_history(db_url, tmp_path, fsrs):
    col = anki_collection(tmp_path / "source.anki2", fsrs)
    try:
        col.export_anki_package(out_path=str(tmp_path / "anki.apkg"), limit=None,
                                options=ExportAnkiPackageOptions(with_scheduling=True))
        anki_cards = [col.get_card(cid) for cid in sorted(col.find_cards(""))]
        revlog = col.db.all("SELECT cid, id, ease, time FROM revlog ORDER BY id")
        today = col.sched.today
        decks = {d.id: d.name for d in col.decks.all_names_and_ids()}
    finally:
        col.close()
    assert len(anki_cards) == 6 and len(revlog) == 9
    assert {c.type for c in anki_cards} >= {0, 1, 2}  # new, learning and review cards
    service = StudyService(open_db(db_url), tz=None)
    summary = import_apkg(service.db, tmp_path / "anki.apkg")
    assert (summary.decks_added, summary.cards_added, summary.reviews_added) == (2, 6, 9)
    views = {v.question_id: v for v in service.browse()}
    with service.db.session(write=False) as s:
        rows = {c.question_id: c for c in s.scalars(select(CardRow))}
        log = s.execute(select(CardRow.question_id, ReviewLogRow.reviewed_at,
                               ReviewLogRow.rating, ReviewLogRow.duration_ms)
                        .join(CardRow).order_by(ReviewLogRow.reviewed_at)).all()
    qid = {c.id: f"{deck_id_for(decks[c.did])}-{c.nid}-{c.ord + 1}" for c in anki_cards}
    assert set(views) == set(qid.values())
    assert {v.deck_id for v in views.values()} == {"anki-chapter-12-rnn", "anki-other-deck"}
    for card in anki_cards:
        row = rows[qid[card.id]]
        assert row.state == card.type
        if card.type == 0:
            assert row.stability is None and row.last_review is None
            continue
        assert row.stability > 0 and 1 <= row.difficulty <= 10  # schedulable by fsrs
        assert views[qid[card.id]].problem is None
        if fsrs:
            assert row.stability == pytest.approx(card.memory_state.stability, abs=1e-3)
            assert row.difficulty == pytest.approx(card.memory_state.difficulty, abs=1e-3)
        if card.queue == 1:
            assert row.due == datetime.fromtimestamp(card.due, UTC)
        if card.type == 2:
            due_day = days.learner_date(row.due, 4, None)
            assert (due_day - days.learner_date(datetime.now(UTC), 4, None)).days == \
                card.due - today
    # Every review, at Anki's time to the millisecond, with its rating and duration.
    assert [(q, int(at.timestamp() * 1000), rating, ms) for q, at, rating, ms in log] == [
        (qid[cid], at, ease, ms) for cid, at, ease, ms in revlog]
    # Texts are the rendered sides as plain text; the reversed card has its own question.
    texts = {(r.text, r.answer) for r in rows.values()}
    assert ("What is BPTT 0?\nExplain", "Answer & 0") in texts
    assert {("hidden state", "h"), ("h", "hidden state")} <= texts
    assert sorted(rows[qid[anki_cards[0].id]].tags) == ["n0", "rnn"]
    # The same package again adds nothing.
    again = import_apkg(service.db, tmp_path / "anki.apkg")
    assert (again.cards_added, again.reviews_added, again.reviews_already_there) == (0, 0, 9)
    service.db.close()


def test_a_round_trip_through_anki_keeps_every_review(tmp_path):
    now = datetime.now(UTC)
    source = studied(f"sqlite:///{tmp_path / 'source.sqlite3'}", now, UTC)
    export_apkg(source.db, tmp_path / "ours.apkg", now=now, tz=UTC)
    with source.db.session(write=False) as s:
        ours = s.execute(select(ReviewLogRow.reviewed_at, ReviewLogRow.rating,
                                ReviewLogRow.duration_ms).order_by(ReviewLogRow.id)).all()
    source.db.close()
    back = StudyService(open_db(f"sqlite:///{tmp_path / 'back.sqlite3'}"), tz=UTC)
    import_apkg(back.db, through_anki(tmp_path), now=now, tz=UTC)
    with back.db.session(write=False) as s:
        states = sorted(s.scalars(select(CardRow.state)))
        again = s.execute(select(ReviewLogRow.reviewed_at, ReviewLogRow.rating,
                                 ReviewLogRow.duration_ms).order_by(ReviewLogRow.reviewed_at)
                          ).all()
    back.db.close()
    assert states == [0, 1, 2, 3]
    assert [(int(at.timestamp() * 1000), r, d) for at, r, d in again] == [
        (int(at.timestamp() * 1000), r, d) for at, r, d in ours]


def test_plain_text_drops_markup_and_keeps_line_breaks():
    side = "<style>.card{color:red}</style><div>a &lt;b&gt;<br>c</div><div>d&nbsp;e</div>"
    assert plain_text(side) == "a <b>\nc\nd e"
    assert deck_id_for("Chapter 12::RNN") == "anki-chapter-12-rnn"
    assert deck_id_for("日本語") == "anki-deck"


# -- the command ---------------------------------------------------------------------------
def run(env: dict, *args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = f"{prelude}from studytool.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, env=env, timeout=120)


def refused(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    return done.stderr.strip()


@pytest.mark.slow
def test_studytool_import_takes_an_anki_package_and_refuses_bad_ones(tmp_path, child_env):
    col = anki_collection(tmp_path / "source.anki2", True)
    try:
        col.export_anki_package(out_path=str(tmp_path / "anki.bin"), limit=None,
                                options=ExportAnkiPackageOptions(with_scheduling=True))
    finally:
        col.close()
    db = tmp_path / "learner.sqlite3"
    url = f"sqlite:///{db}"
    done = run(child_env, "--db", url, "import", str(tmp_path / "anki.bin"))  # any name
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"imported {tmp_path / 'anki.bin'}: decks added 2, "
                                  "cards added 6, cards updated 0, reviews added 9")
    assert done.stderr == ""
    before = dump(db)

    with zipfile.ZipFile(tmp_path / "empty.apkg", "w") as package:
        package.writestr("notes.txt", "no collection here")
    line = refused(run(child_env, "--db", url, "import", str(tmp_path / "empty.apkg")))
    assert line == (f"error: {tmp_path / 'empty.apkg'}: a ZIP archive without an Anki "
                    "collection in it, not a studytool export; import reads the JSON file "
                    "that \"studytool export --format json\" writes, or an Anki package "
                    "(.apkg)")
    with zipfile.ZipFile(tmp_path / "broken.apkg", "w") as package:
        package.writestr("collection.anki2", b"SQLite format 3\x00" + b"\xff" * 5000)
    line = refused(run(child_env, "--db", url, "import", str(tmp_path / "broken.apkg")))
    assert line.startswith(f"error: {tmp_path / 'broken.apkg'}: Anki cannot read this "
                           "package: ")
    # Without Anki's backend installed: what to install, and nothing done.
    line = refused(run(child_env, "--db", url, "import", str(tmp_path / "anki.bin"),
                       prelude="import sys; sys.modules['anki'] = None; "))
    assert line == ("error: importing an Anki package needs Anki's backend, the `anki` "
                    "package: pip install 'studytool[anki]'")
    assert dump(db) == before
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM review_log").fetchone() == (9,)
    finally:
        conn.close()
