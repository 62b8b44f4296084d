"""CSV review log, Anki package and Markdown report, read back from the files they write;
and the `export` command as a real child process."""

from __future__ import annotations

import csv
import html
import sqlite3
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from studytool.deck import Deck, Question
from studytool.exchange.anki import export_apkg, note_guid
from studytool.exchange.csv_log import export_csv
from studytool.exchange.report import render
from studytool.run_record import EpochRow, RunRecord
from studytool.srs import StudyService
from studytool.store import open_db
from studytool.store.models import CardRow, ReviewLogRow
from studytool.store.runs import save_run

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment


DECK = Deck("d1", "Deck one", Path("d1.toml"), (
    Question("d1-q0", "What is <b>h</b> & why?", "A <tensor>\nsecond line",
             tags=("rnn", "two words"), answers=("lmmodel1",), mistake="Forgetting \"detach\""),
    Question("d1-q1", "Plain question", "Plain answer", tags=("basics",)),
    Question("d1-q2", "Third", "Third answer"),
))


# (question, rating, minutes after the previous review) as `studied` rates them
HISTORY = [("d1-q0", 3, 1), ("d1-q1", 1, 2), ("d1-q0", 3, 3000), ("d1-q0", 1, 6000),
           ("d1-q1", 3, 5)]


def studied(url: str) -> StudyService:
    clock = Clock()
    service = StudyService(open_db(url), clock=clock, tz=UTC, fuzz=False)
    service.sync_decks([DECK])
    ids = {v.question_id: v.card_id for v in service.browse()}
    for question, rating, minutes in HISTORY:
        clock.moment += timedelta(minutes=minutes)
        service.rate(ids[question], rating, duration_ms=minutes * 10)
    return service


def expected_csv_rows() -> list[dict[str, str]]:
    """HISTORY as the optimizer layout must hold it, worked out from the clock alone."""
    rows, moment = [], START
    states = {"d1-q0": ["0", "1", "2"], "d1-q1": ["0", "1"]}  # new, learning, review...
    for question, rating, minutes in HISTORY:
        moment += timedelta(minutes=minutes)
        rows.append({"card_id": f"d1/{question}",
                     "review_time": str(int(moment.timestamp()) * 1000),
                     "review_rating": str(rating), "review_state": states[question].pop(0),
                     "review_duration": str(minutes * 10)})
    return rows


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["card_id", "review_time", "review_rating",
                                     "review_state", "review_duration"]
        return list(reader)


def test_csv_is_one_row_per_review_in_the_optimizer_layout(db_url, tmp_path):
    service = studied(db_url)
    path = tmp_path / "log.csv"
    assert export_csv(service.db, path) == 5
    assert read_csv(path) == expected_csv_rows()
    service.db.close()


def test_csv_names_cards_by_deck_and_question_so_an_import_writes_the_same_log(db_url,
                                                                               tmp_path):
    from studytool.exchange.json_export import export_json
    from studytool.exchange.json_import import import_json

    service = studied(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    export_csv(service.db, tmp_path / "source.csv")
    export_json(service.db, tmp_path / "all.json")
    service.db.close()
    # Another deck synced first: the imported cards get other database ids.
    target = StudyService(open_db(db_url), tz=UTC)
    other = Deck("a0", "Other", Path("a0.toml"),
                 tuple(Question(f"a0-q{i}", "q", "a") for i in range(7)))
    target.sync_decks([other])
    import_json(target.db, tmp_path / "all.json")
    with target.db.session(write=False) as s:
        new_ids = set(s.scalars(select(ReviewLogRow.card_id)))
    assert new_ids.isdisjoint({1, 2})  # the source's card ids
    export_csv(target.db, tmp_path / "target.csv")
    assert read_csv(tmp_path / "target.csv") == read_csv(tmp_path / "source.csv")
    target.db.close()


def test_csv_review_times_are_utc_whatever_the_local_and_session_zones(db_url, tmp_path,
                                                                       monkeypatch):
    import time

    service = studied(db_url)
    service.db.close()
    # The process's zone and PostgreSQL's session zone (libpq reads PGTZ) far from UTC.
    with monkeypatch.context() as zones:
        zones.setenv("TZ", "America/Los_Angeles")
        zones.setenv("PGTZ", "Asia/Kolkata")
        time.tzset()
        try:
            db = open_db(db_url)
            export_csv(db, tmp_path / "log.csv")
            db.close()
        finally:
            zones.undo()
            time.tzset()
    assert read_csv(tmp_path / "log.csv") == expected_csv_rows()


def read_notes(path: Path, tmp_path: Path) -> dict[str, dict]:
    """The package opened as what it is: a zip holding an Anki SQLite collection."""
    with zipfile.ZipFile(path) as package:
        assert "collection.anki2" in package.namelist()
        (tmp_path / "collection.anki2").write_bytes(package.read("collection.anki2"))
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        rows = conn.execute("SELECT guid, tags, flds FROM notes").fetchall()
    finally:
        conn.close()
    notes = {}
    for guid, tags, fields in rows:
        qid, question, answer, mistake, code = fields.split("\x1f")
        notes[qid] = {"guid": guid, "tags": tags.split(), "question": question,
                      "answer": answer, "mistake": mistake, "code": code}
    return notes


def test_anki_package_holds_one_escaped_note_per_question_with_stable_guids(tmp_path):
    service = studied(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    first = tmp_path / "one.apkg"
    assert export_apkg(service.db, first) == 3
    notes = read_notes(first, tmp_path)
    assert set(notes) == {"d1-q0", "d1-q1", "d1-q2"}
    q0 = notes["d1-q0"]
    # Markdown becomes HTML; HTML in the deck text is escaped, never passed through.
    assert q0["question"] == "<p>" + html.escape("What is <b>h</b> & why?") + "</p>"
    assert q0["answer"] == "<p>" + html.escape("A <tensor>") + "\nsecond line</p>"
    assert q0["mistake"] == "<p>" + html.escape('Forgetting "detach"') + "</p>"
    assert sorted(q0["tags"]) == ["d1", "rnn", "two_words"]
    # The runnable answer's code, read from its files (the model class, then the entry).
    assert "class LMModel1(nn.Module)" in html.unescape(q0["code"])
    assert notes["d1-q1"]["code"] == ""
    assert q0["guid"] == note_guid("d1", "d1-q0")

    # An edited answer keeps its note: same GUID, new text.
    with service.db.session() as s:
        s.execute(update(CardRow).where(CardRow.question_id == "d1-q1")
                  .values(answer="A better answer"))
    second = tmp_path / "two.apkg"
    export_apkg(service.db, second)
    again = read_notes(second, tmp_path)
    assert {q: n["guid"] for q, n in again.items()} == {q: n["guid"] for q, n in notes.items()}
    assert again["d1-q1"]["answer"] == "<p>A better answer</p>"
    assert len({n["guid"] for n in notes.values()}) == 3
    service.db.close()


def test_the_report_shows_states_retention_hardest_cards_and_runs_beside_the_book(db_url):
    service = studied(db_url)
    save_run(service.db, RunRecord(
        "lmmodel1", "ok", "cpu", epochs=[EpochRow(0, 1.81, 1.92, 0.4711, 1.0)],
        final={"accuracy": 0.4711}, seconds=1.0, started_at=START, finished_at=START))
    save_run(service.db, RunRecord("lmmodel1", "failed", "cpu", message="newer | run",
                                   started_at=START, finished_at=START + timedelta(hours=1)))
    text = render(service.db, now=START + timedelta(days=6))
    assert "## Deck one (`d1`)" in text
    assert "| new | 1 |" in text and "| relearning | 1 |" in text
    # d1-q0 lapsed once (Again while in review); d1-q1 was rated Again while new.
    hard = [line for line in text.splitlines() if line.startswith("| d1-q")]
    assert hard[0].startswith("| d1-q0 | 1 | 1 |") and hard[1].startswith("| d1-q1 | 0 | 1 |")
    assert "Retention over the last 30 days: 0.0% (0 of 1 reviews" in text
    # Only the newest run of each answer, beside the book's table for the same model.
    assert "### `lmmodel1`: failed" in text and "newer \\| run" in text
    assert text.count("### `lmmodel1`") == 1
    service.db.close()
    service = StudyService(open_db(db_url), tz=UTC)
    save_run(service.db, RunRecord(
        "lmmodel1", "ok", "cpu", epochs=[EpochRow(0, 1.81, 1.92, 0.4711, 1.0)],
        started_at=START, finished_at=START + timedelta(hours=2)))
    text = render(service.db)
    assert "| Epoch | Train loss | Book |" in text
    assert "| 0 | 1.8100 | 1.8243 | 1.9200 | 1.9709 | 0.4711 | 0.4676 |" in text
    service.db.close()


def test_the_report_picks_each_answers_latest_full_run_and_marks_the_books_columns(db_url):
    from answers_code.registry import get

    db = open_db(db_url)
    hour = timedelta(hours=1)

    def run(answer: str, quick: bool, when: datetime, accuracy: float, **params) -> None:
        settings = get(answer).params_for(quick, params)
        rows = [EpochRow(e, 1.0, 1.5, accuracy, 0.1) for e in range(settings["epochs"])]
        save_run(db, RunRecord(answer, "ok", "cpu", params=settings, epochs=rows,
                               final={"accuracy": accuracy}, started_at=when,
                               finished_at=when))

    run("lmmodel7", False, START, 0.8811, seed=3)  # the full run, any seed
    run("lmmodel7", False, START + hour, 0.7777, seed=4, epochs=5)  # other settings
    run("lmmodel7", True, START + 2 * hour, 0.5261)  # a 1-epoch self-check, newest
    run("lmmodel3", True, START, 0.3712)  # only ever run quick
    text = render(db, now=START + 3 * hour)
    section = text.split("## Latest full run of each answer", 1)[1]
    seven = section.split("### `lmmodel7`", 1)[1]
    assert "0.8811" in seven and "0.5261" not in seven and "0.7777" not in seven
    assert "| Epoch | Train loss | Book* |" in seven  # the book's train_loss held AR and TAR
    assert "\\* Book train loss: the book's train_loss includes AR and TAR" in seven
    three = section.split("### `lmmodel3`", 1)[1].split("### `", 1)[0]
    assert "No full run stored" in three and "1 of 10 epochs" in three and "0.3712" in three
    assert "| Epoch | Train loss | Book |" in three  # no column of LMModel3's is marked
    db.close()


@pytest.mark.slow
def test_export_command_writes_each_format_and_refuses_a_missing_folder(tmp_path,
                                                                       studytool_cmd,
                                                                       child_env):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    studied(url).db.close()
    for fmt in ("json", "csv", "apkg", "md"):
        out = tmp_path / f"out.{fmt}"
        done = subprocess.run([*studytool_cmd, "--db", url, "export", "--format", fmt, "-o",
                               str(out)], capture_output=True, text=True, env=child_env,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert out.stat().st_size > 0 and str(out) in done.stdout
        assert not out.with_name(out.name + ".partial").exists()
    done = subprocess.run([*studytool_cmd, "--db", url, "export", "--format", "csv", "-o",
                           str(tmp_path / "nowhere" / "x.csv")], capture_output=True,
                          text=True, env=child_env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: no such folder") and done.stderr.count("\n") == 1


def test_exports_the_tui_may_call_never_import_torch(tmp_path, child_env):
    """The TUI process never imports torch: every export format must be safe to call there
    (the apkg reads the answers' code as text, the report reads the book's tables)."""
    import sys

    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    studied(url).db.close()
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from studytool.exchange.api import export_to, import_from\n"
        "from studytool.store import open_db\n"
        f"db = open_db({url!r})\n"
        f"for fmt in ('json', 'csv', 'apkg', 'md'):\n"
        f"    export_to(db, fmt, Path({str(tmp_path)!r}) / ('x.' + fmt))\n"
        f"import_from(db, Path({str(tmp_path)!r}) / 'x.json')\n"
        "print('torch' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=child_env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    assert "class LMModel1" in html.unescape(
        read_notes(tmp_path / "x.apkg", tmp_path)["d1-q0"]["code"])


def test_anki_fields_render_the_decks_markdown():
    from studytool.exchange.anki import _html

    rendered = _html("Use `h.detach()`:\n\n```python\nif x < 1:\n    h = 0\n```")
    assert "<code>h.detach()</code>" in rendered
    assert '<pre><code class="language-python">if x &lt; 1:\n    h = 0\n</code></pre>' in rendered
