"""JSON export/import on real databases: the round trip (hypothesis histories), the merge by
stable ids, and hostile files that must change nothing. SQLite always; PostgreSQL too when
STUDYTOOL_TEST_PG is set."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from export_helpers import as_lines, dump, read_export, refused
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from studytool.config import Settings
from studytool.deck import Deck, Question
from studytool.errors import StudytoolError
from studytool.exchange import json_import
from studytool.exchange.json_export import export_json
from studytool.exchange.json_import import import_json
from studytool.exercises import progress
from studytool.run_record import EpochRow, RunRecord
from studytool.srs import StudyService
from studytool.srs.views import TypedGrade
from studytool.store import open_db
from studytool.store.models import CardRow, ReviewLogRow
from studytool.store.runs import save_run

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def target_url(db_url):
    """The database imported into: SQLite, or PostgreSQL when available."""
    return db_url


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment


def make_deck(n: int = 4, deck_id: str = "d1") -> Deck:
    return Deck(deck_id, f"Deck {deck_id} <&>", Path(f"{deck_id}.toml"), tuple(
        Question(f"{deck_id}-q{i}", f"question {i} \"quoted\" ü", f"answer {i}\nline 2",
                 tags=("t", f"n{i}"), answers=("lmmodel1",) if i == 0 else (),
                 mistake="a mistake" if i == 1 else None) for i in range(n)))


def seed(url: str, history: list[tuple[int, int, int]], clock: Clock | None = None,
         with_extras: bool = True) -> StudyService:
    """Cards of one deck, then (card index, rating, minutes later) reviews through the real
    service, a run and an exercise's progress: everything an export carries."""
    clock = clock or Clock()
    service = StudyService(open_db(url), clock=clock, tz=UTC, fuzz=False)
    service.sync_decks([make_deck()])
    ids = {v.question_id: v.card_id for v in service.browse()}
    for index, rating, minutes in history:
        clock.moment += timedelta(minutes=minutes)
        service.rate(ids[f"d1-q{index}"], rating, duration_ms=1000 + minutes)
    if with_extras:
        service.save_settings(replace(Settings(), new_per_day=7))
        save_run(service.db, RunRecord(
            "lmmodel1", "ok", "cpu", params={"lr": 0.001, "nested": {"a": [1, 2]}},
            epochs=[EpochRow(0, 1.8, 2.0, 0.47, 1.5), EpochRow(1, 1.4, 1.7, 0.48, 1.25)],
            final={"accuracy": 0.48}, seconds=3.0, started_at=START,
            finished_at=START + timedelta(seconds=3), torch_version="2.13.0"))
        progress.record_verify(service.db, "gru", passed=True)
    return service


def seeded_export(folder: Path, history: list[tuple[int, int, int]]) -> dict:
    """The whole export (version 3) of a database seeded with `history`, as one document."""
    service = seed(f"sqlite:///{folder / 'a.sqlite3'}", history)
    export_json(service.db, folder / "a.json")
    service.db.close()
    return read_export(folder / "a.json")


def document(path: Path) -> dict:
    data = read_export(path)
    data.pop("exported_at")
    return data


histories = st.lists(st.tuples(st.integers(0, 3), st.integers(1, 4),
                               st.integers(1, 60 * 24 * 20)), max_size=12)


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories)
def test_import_into_an_empty_database_exports_the_same_document(history):
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        source = seed(f"sqlite:///{base / 'a.sqlite3'}", history)
        export_json(source.db, base / "a.json")
        target = open_db(f"sqlite:///{base / 'b.sqlite3'}")
        summary = import_json(target, base / "a.json")
        export_json(target, base / "b.json")
        first, second = document(base / "a.json"), document(base / "b.json")
        assert first == second
        assert summary.reviews_added == len(history) == len(first["reviews"])
        # Undo data survived: each review carries the card's state before it.
        with source.db.session() as s:
            befores = [r.card_before for r in s.scalars(select(ReviewLogRow)
                                                        .order_by(ReviewLogRow.id))]
        assert [r["card_before"] for r in first["reviews"]] == befores
        source.db.close()
        target.close()


def test_round_trip_into_the_target_database(tmp_path, target_url):
    source = seed(f"sqlite:///{tmp_path / 'a.sqlite3'}", [(0, 3, 5), (1, 1, 60), (0, 4, 3000)])
    export_json(source.db, tmp_path / "a.json")
    target = open_db(target_url)
    import_json(target, tmp_path / "a.json")
    export_json(target, tmp_path / "b.json")
    assert document(tmp_path / "a.json") == document(tmp_path / "b.json")
    # The imported learner can undo nothing of another session, but the history is there.
    service = StudyService(target, tz=UTC)
    card = next(v for v in service.browse() if v.question_id == "d1-q0")
    assert [r.rating for r in service.history(card.card_id)] == [3, 4]
    source.db.close()
    target.close()


def test_a_typed_answers_grade_survives_the_round_trip(tmp_path, target_url):
    """Quiz reviews keep the learner's typed text, its score and the suggestion; reviews
    rated without typing stay without them, and the export does not grow a key for them."""
    source = seed(f"sqlite:///{tmp_path / 'a.sqlite3'}", [(1, 3, 5)], with_extras=False)
    card = next(v for v in source.browse() if v.question_id == "d1-q0")
    typed = TypedGrade(0.8125, 3, "a [b]hidden[/b] state \"kept\" \u00fc\nline 2")
    source.rate(card.card_id, 2, duration_ms=900, typed=typed)
    export_json(source.db, tmp_path / "a.json")
    reviews = document(tmp_path / "a.json")["reviews"]
    assert "grade_score" not in next(r for r in reviews if r["question_id"] == "d1-q1")
    target = open_db(target_url)
    import_json(target, tmp_path / "a.json")
    with target.session(write=False) as s:
        rows = {(r.rating, r.grade_score, r.suggested_rating, r.typed_answer)
                for r in s.scalars(select(ReviewLogRow))}
    assert rows == {(3, None, None, None), (2, 0.8125, 3, typed.answer)}
    export_json(target, tmp_path / "b.json")
    assert document(tmp_path / "a.json") == document(tmp_path / "b.json")
    source.db.close()
    target.close()


@pytest.mark.parametrize("field, value", [("grade_score", 1.5), ("grade_score", "0.5"),
                                          ("suggested_rating", 0), ("typed_answer", 3)])
def test_a_bad_grade_in_a_review_is_refused(tmp_path, field, value):
    source = seed(f"sqlite:///{tmp_path / 'a.sqlite3'}", [(0, 3, 5)], with_extras=False)
    export_json(source.db, tmp_path / "a.json")
    data = read_export(tmp_path / "a.json")
    data["reviews"][0].update(grade_score=0.5, suggested_rating=3, typed_answer="x")
    data["reviews"][0][field] = value
    (tmp_path / "bad.json").write_text(as_lines(data), encoding="utf-8")
    target = open_db(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    with pytest.raises(StudytoolError, match=field):
        import_json(target, tmp_path / "bad.json")
    assert review_count(target) == 0
    source.db.close()
    target.close()


def card_state(db, question_id: str) -> tuple:
    with db.session(write=False) as s:
        row = s.scalars(select(CardRow).where(CardRow.question_id == question_id)).one()
        return row.state, row.stability, row.difficulty, row.due, row.last_review


def review_count(db) -> int:
    with db.session(write=False) as s:
        return s.scalar(select(func.count()).select_from(ReviewLogRow))


def test_merge_adds_missing_reviews_once_and_keeps_each_cards_latest_state(tmp_path,
                                                                          target_url):
    clock_a = Clock()
    a = seed(f"sqlite:///{tmp_path / 'a.sqlite3'}", [(0, 3, 5), (1, 3, 5)], clock_a)
    export_json(a.db, tmp_path / "a1.json")
    b = StudyService(open_db(target_url), clock=Clock(), tz=UTC, fuzz=False)
    import_json(b.db, tmp_path / "a1.json")
    ids_b = {v.question_id: v.card_id for v in b.browse()}
    ids_a = {v.question_id: v.card_id for v in a.browse()}
    # Both go on studying: A reviews q0 late (latest for q0), B reviews q1 later than A's q1.
    b._clock.moment = START + timedelta(days=2)
    b.rate(ids_b["d1-q1"], 1)
    clock_a.moment = START + timedelta(days=3)
    a.rate(ids_a["d1-q0"], 4)
    a.rate(ids_a["d1-q2"], 3)
    clock_a.moment = START + timedelta(days=1)
    a.rate(ids_a["d1-q1"], 4)  # older than B's q1 review
    export_json(a.db, tmp_path / "a2.json")
    b_q1 = card_state(b.db, "d1-q1")

    summary = import_json(b.db, tmp_path / "a2.json")
    assert summary.reviews_added == 3 and summary.reviews_already_there == 2
    assert review_count(b.db) == 6  # 2 shared + B's 1 + A's 3
    assert card_state(b.db, "d1-q0") == card_state(a.db, "d1-q0")  # A's review is the latest
    assert card_state(b.db, "d1-q2") == card_state(a.db, "d1-q2")
    assert card_state(b.db, "d1-q1") == b_q1  # B's own review is the latest
    again = import_json(b.db, tmp_path / "a2.json")
    assert again.reviews_added == 0 and again.cards_updated == 0
    assert review_count(b.db) == 6
    a.db.close()
    b.db.close()


# -- hostile files ---------------------------------------------------------------------------
def in_lines(doc: dict) -> str:
    """The document in the export's own layout: each array item on a line of its own (the
    import's fast path reads those a line at a time)."""
    parts = []
    for key, value in doc.items():
        if isinstance(value, list) and value:
            items = ",\n".join(json.dumps(v, separators=(",", ":")) for v in value)
            parts.append(f'"{key}":[\n{items}]')
        else:
            parts.append(f'"{key}":{json.dumps(value)}')
    return "{" + ",\n".join(parts) + "}\n"


def _edit(change):
    def make(good: dict, path: Path, layout: str = "compact") -> None:
        change(good)
        text = json.dumps(good) if layout == "compact" else in_lines(good)
        path.write_text(text, encoding="utf-8")
    make.layouts = ("compact", "lines")
    return make


def _raw(text_of):
    def make(good: dict, path: Path) -> None:
        path.write_bytes(text_of(json.dumps(good, separators=(",", ":"))))
    return make


def _a_bit_deep(good: dict) -> None:
    nested: dict = {}
    for _ in range(40):
        nested = {"a": nested}
    good["runs"][0]["final"]["x"] = nested


def _big(good: dict, path: Path) -> None:
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # 100 MB (sparse): refused before reading


HOSTILE = {
    "truncated": _raw(lambda text: text[: len(text) // 2].encode()),
    "not json": _raw(lambda text: b"hello"),
    "not utf-8": _raw(lambda text: b"\xff\xfe" + text.encode()),
    "wrong version": _edit(lambda d: d.update(version=2)),
    "version as string": _edit(lambda d: d.update(version="1")),
    "wrong format": _edit(lambda d: d.update(format="anki")),
    "a list": _raw(lambda text: b"[1, 2]"),
    "huge rating": _edit(lambda d: d["reviews"][0].update(rating=10**30)),
    "huge integer text": _raw(lambda text: text.replace('"rating":', '"rating":' + "9" * 5000,
                                                        1).encode()),
    "huge stability": _edit(lambda d: d["cards"][0].update(stability=1e300)),
    "huge duration": _edit(lambda d: d["reviews"][0].update(duration_ms=2**40)),
    "NaN": _raw(lambda text: text.replace('"stability":', '"stability":NaN,"x":', 1).encode()),
    "Infinity": _raw(lambda text: text.replace('"rating":1', '"rating":Infinity', 1)
                     .replace('"rating":3', '"rating":Infinity', 1).encode()),
    "rating as text": _edit(lambda d: d["reviews"][0].update(rating="3")),
    "rating as bool": _edit(lambda d: d["reviews"][0].update(rating=True)),
    "naive time": _edit(lambda d: d["reviews"][0].update(reviewed_at="2026-03-02T12:00:00")),
    "unknown key": _edit(lambda d: d["cards"][0].update(evil=1)),
    "missing key": _edit(lambda d: d["cards"][0].pop("due")),
    "unknown card": _edit(lambda d: d["reviews"][0].update(question_id="nope")),
    "unknown deck": _edit(lambda d: d["cards"][0].update(deck_id="nope")),
    "duplicate review": _edit(lambda d: d["reviews"].append(d["reviews"][0])),
    "unknown setting": _edit(lambda d: d["settings"].update(evil=1)),
    "bad setting": _edit(lambda d: d["settings"].update(new_per_day=-5)),
    "deeply nested": _raw(lambda text: text.replace(
        '"params":{', '"params":{"x":' + "[" * 100_000 + "]" * 100_000 + ",", 1).encode()),
    "nested params": _edit(_a_bit_deep),
    "100 MB": _big,
}


@pytest.fixture(scope="module")
def good_export(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("good")
    service = seed(f"sqlite:///{folder / 'a.sqlite3'}", [(0, 1, 5), (1, 3, 5), (0, 3, 2000)])
    export_json(service.db, folder / "a.json", version=1)  # version 1's own hostile files
    service.db.close()
    return json.loads((folder / "a.json").read_text())


@pytest.fixture
def lived_in(tmp_path) -> Path:
    """A database with its own history, so a bad import has something to damage."""
    path = tmp_path / "target.sqlite3"
    seed(f"sqlite:///{path}", [(2, 3, 10), (3, 1, 10)]).db.close()
    return path


CASES = [(case, layout) for case in sorted(HOSTILE)
         for layout in getattr(HOSTILE[case], "layouts", ("compact",))]


@pytest.mark.parametrize(("case", "layout"), CASES)
def test_a_hostile_file_changes_nothing_and_says_why_in_one_line(case, layout, good_export,
                                                                  lived_in, tmp_path):
    bad = tmp_path / "bad.json"
    make = HOSTILE[case]
    if layout == "compact":
        make(json.loads(json.dumps(good_export)), bad)
    else:
        make(json.loads(json.dumps(good_export)), bad, layout)
    refused(lived_in, bad)


def test_a_failure_halfway_through_the_merge_rolls_everything_back(good_export, lived_in,
                                                                   tmp_path, monkeypatch):
    path = tmp_path / "good.json"
    path.write_text(json.dumps(good_export))
    before = dump(lived_in)

    def fail(*_args):
        raise RuntimeError("disk fell off")

    # runs come last: decks, cards and reviews are in the transaction by then
    monkeypatch.setattr(json_import._Import, "read_runs", fail)
    db = open_db(f"sqlite:///{lived_in}")
    with pytest.raises(RuntimeError):
        import_json(db, path)
    db.close()
    assert dump(lived_in) == before


def test_the_size_cap_is_checked_before_reading(good_export, tmp_path):
    path = tmp_path / "good.json"
    path.write_text(json.dumps(good_export))
    db = open_db(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(StudytoolError, match="over the import limit"):
        import_json(db, path, max_bytes=path.stat().st_size - 1)
    assert import_json(db, path, max_bytes=path.stat().st_size).reviews_added == 3
    db.close()


@pytest.mark.slow
def test_the_cli_refuses_a_bad_file_with_one_line_and_exit_2(good_export, lived_in, tmp_path,
                                                             studytool_cmd, child_env):
    import subprocess

    bad = tmp_path / "bad.json"
    before = dump(lived_in)

    def refused_by_the_cli(make, reason: str) -> None:
        make(json.loads(json.dumps(good_export)), bad)
        done = subprocess.run([*studytool_cmd, "--db", f"sqlite:///{lived_in}", "import",
                               str(bad)], capture_output=True, text=True, env=child_env,
                              timeout=60)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
        assert reason in done.stderr
        assert dump(lived_in) == before

    # 10**30 is past the parser's 64-bit integers: refused as it is read, saying where
    refused_by_the_cli(HOSTILE["huge rating"], "integer overflow in reviews[0]")
    refused_by_the_cli(HOSTILE_LINES["truncated at a line"],  # version 2
                       "the file ends before its end line")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(good_export))
    done = subprocess.run([*studytool_cmd, "--db", f"sqlite:///{lived_in}", "import", str(good)],
                          capture_output=True, text=True, env=child_env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "reviews added 3" in done.stdout


def test_merge_keeps_the_databases_settings_and_the_most_exercise_progress(tmp_path):
    a_url, b_url = f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}"
    a = seed(a_url, [(0, 3, 5)])  # new_per_day 7, gru passed once, one run
    for _ in range(2):
        progress.record_verify(a.db, "gru", passed=False)
    progress.record_verify(a.db, "lstm", passed=False)
    export_json(a.db, tmp_path / "a.json")
    b = StudyService(open_db(b_url), tz=UTC)
    b.save_settings(replace(Settings(), new_per_day=3, max_reviews_per_day=50))
    for _ in range(4):
        progress.record_hint(b.db, "gru", total=3)
    summary = import_json(b.db, tmp_path / "a.json")
    b._settings = None
    assert b.get_settings().new_per_day == 3 and b.get_settings().max_reviews_per_day == 50
    mine = progress.load_all(b.db)
    assert mine["gru"].done and mine["gru"].attempts == 3 and mine["gru"].hints_shown == 3
    assert mine["gru"].last_passed is False  # A's latest verify failed
    assert mine["lstm"].attempts == 1 and not mine["lstm"].done
    assert summary.runs_added == 1
    assert import_json(b.db, tmp_path / "a.json").runs_added == 0  # runs are not doubled
    a.db.close()
    b.db.close()


# -- hostile files, version 2 (JSON lines) ----------------------------------------------------
def _lines(change):
    """A version 2 file made from the good document's lines (each a parsed object or text)."""
    def make(good: dict, path: Path) -> None:
        lines = as_lines(good).splitlines(keepends=True)
        path.write_bytes("".join(change(lines)).encode())
    return make


def _item(section: str, index: int, change):
    """The lines with item `index` of `section` changed (a dict changed in place)."""
    def edit(lines: list[str]) -> list[str]:
        start = lines.index(json.dumps({"section": section}, separators=(",", ":")) + "\n")
        item = json.loads(lines[start + 1 + index])
        change(item)
        lines[start + 1 + index] = json.dumps(item) + "\n"
        return lines
    return _lines(edit)


def _huge_line(good: dict, path: Path) -> None:
    from studytool.exchange.json_lines import MAX_LINE

    good["runs"][0]["output"] = "x" * (MAX_LINE + 10)
    path.write_text(as_lines(good), encoding="utf-8")


def _twice(section: str, index: int = 0):
    def edit(lines: list[str]) -> list[str]:
        start = lines.index(json.dumps({"section": section}, separators=(",", ":")) + "\n")
        lines.insert(start + 1, lines[start + 1 + index])
        counts = json.loads(lines[-1])
        counts["end"][section] += 1
        lines[-1] = json.dumps(counts) + "\n"
        return lines
    return edit


HOSTILE_LINES = {
    "bad last line": _lines(lambda ls: [*ls[:-1], '{"end":{"decks":1}}\n']),
    "bad last item": _item("runs", 0, lambda r: r.update(status="exploded")),
    "truncated mid-line": _lines(lambda ls: [*ls[:-2], ls[-2][:40]]),
    "truncated at a line": _lines(lambda ls: ls[:-2]),
    "no end line": _lines(lambda ls: ls[:-1]),
    "counts disagree": _lines(lambda ls: [*ls[:-1], ls[-1].replace('"reviews":3',
                                                                   '"reviews":4')]),
    "after the end": _lines(lambda ls: [*ls, '{"end":{}}\n']),
    "a section missing": _lines(lambda ls: [x for x in ls if x != '{"section":"cards"}\n']),
    "sections swapped": _lines(lambda ls: [
        {'{"section":"cards"}\n': '{"section":"reviews"}\n',
         '{"section":"reviews"}\n': '{"section":"cards"}\n'}.get(x, x) for x in ls]),
    "wrong version in the header": _lines(lambda ls: [
        ls[0].replace('"version":2', '"version":2,"evil":1'), *ls[1:]]),
    "rating as text": _item("reviews", 0, lambda r: r.update(rating="3")),
    "rating as bool": _item("reviews", 0, lambda r: r.update(rating=True)),
    "huge rating": _item("reviews", 0, lambda r: r.update(rating=10**30)),
    "huge integer text": _lines(lambda ls: [x.replace('"rating":', '"rating":' + "9" * 5000, 1)
                                            for x in ls]),
    "NaN": _lines(lambda ls: [x.replace('"stability":', '"stability":NaN,"x":', 1)
                              for x in ls]),
    "naive time": _item("reviews", 1, lambda r: r.update(reviewed_at="2026-03-02T12:00:00")),
    "unknown field": _item("cards", 0, lambda c: c.update(evil=1)),
    "unknown field in card_before": _item("reviews", 0,
                                          lambda r: r["card_before"].update(evil=1)),
    "missing field": _item("cards", 2, lambda c: c.pop("due")),
    "unknown card": _item("reviews", 2, lambda r: r.update(question_id="nope")),
    "duplicate deck": _lines(_twice("decks")),
    "duplicate card": _lines(_twice("cards", 1)),
    "duplicate review": _lines(_twice("reviews", 2)),
    "duplicate run": _lines(_twice("runs")),
    "deeply nested": _lines(lambda ls: [x.replace('"params":{', '"params":{"x":' + "[" * 100_000
                                                  + "]" * 100_000 + ",", 1) for x in ls]),
    "not utf-8": _lines(lambda ls: [*ls[:3], '{"deck_id":"\udcff"}\n', *ls[3:]]),
    "huge line": _huge_line,
    # one item per line, no more and no less
    "two reviews on a line": _lines(lambda ls: [x for x in ls if x is not ls[10]][:9]
                                    + [ls[9].rstrip("\n") + "," + ls[10], *ls[11:]]),
    "a review across two lines": _lines(lambda ls: [
        *ls[:9], ls[9].replace(',"rating":', '\n,"rating":', 1), *ls[10:]]),
    "an empty line": _lines(lambda ls: [*ls[:10], "\n", *ls[10:]]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_LINES))
def test_a_hostile_version_2_file_changes_nothing_and_says_why_in_one_line(
        case, good_export, lived_in, tmp_path):
    bad = tmp_path / "bad.json"
    try:
        HOSTILE_LINES[case](json.loads(json.dumps(good_export)), bad)
    except UnicodeEncodeError:  # the lone surrogate: written as the raw byte it stands for
        lines = as_lines(good_export).splitlines(keepends=True)
        bad.write_bytes("".join(lines[:3]).encode() + b'{"deck_id":"\xff"}\n'
                        + "".join(lines[3:]).encode())
    assert bad.read_bytes().startswith(b'{"format":"studytool-export","version":2,')
    refused(lived_in, bad)


def test_the_good_version_2_file_goes_in_whole(good_export, lived_in, tmp_path):
    """The counterpart of the hostile files: the same document unharmed imports."""
    good = tmp_path / "good.json"
    good.write_text(as_lines(good_export))
    db = open_db(f"sqlite:///{lived_in}")
    assert import_json(db, good).reviews_added == len(good_export["reviews"])
    db.close()

