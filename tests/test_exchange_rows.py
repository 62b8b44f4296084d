"""Version 3 of the JSON export (cards and reviews as rows of named columns) on real
databases: the round trip byte for byte, any column order, and hostile files that must change
nothing and say why in one line; the time pattern agrees with the objects' time check."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from export_helpers import as_lines, dump, read_export, refused
from hypothesis import given, settings
from hypothesis import strategies as st
from test_exchange_json import seed, seeded_export

from studytool.exchange.document import OPTIONAL_COLUMNS, REVIEW_COLUMNS
from studytool.exchange.json_export import export_json
from studytool.exchange.json_import import import_json
from studytool.exchange.schema import EXPORT_TIME, _time
from studytool.store import open_db
from studytool.store.models import ReviewLogRow

HISTORY = [(0, 1, 5), (1, 3, 5), (0, 3, 2000), (2, 4, 30)]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict:
    """A database's whole export (version 3), as one document."""
    return seeded_export(tmp_path_factory.mktemp("good"), HISTORY)


@pytest.fixture
def lived_in(tmp_path) -> Path:
    """A database with its own history, so a bad import has something to damage."""
    path = tmp_path / "target.sqlite3"
    seed(f"sqlite:///{path}", [(2, 3, 10), (3, 1, 10)]).db.close()
    return path


def without_export_time(path: Path) -> bytes:
    first, rest = path.read_bytes().split(b"\n", 1)
    return re.sub(rb'"exported_at":"[^"]*"', b"", first) + b"\n" + rest


def test_import_into_an_empty_database_exports_the_same_file(tmp_path, db_url):
    source = seed(f"sqlite:///{tmp_path / 'a.sqlite3'}", HISTORY)
    export_json(source.db, tmp_path / "a.json")
    source.db.close()
    assert (tmp_path / "a.json").read_bytes().startswith(b'{"format":"studytool-export",'
                                                         b'"version":3,')
    target = open_db(db_url)
    summary = import_json(target, tmp_path / "a.json")
    export_json(target, tmp_path / "b.json")
    with target.session() as session:  # undo's data went in as it was
        befores = [r.card_before for r in session.query(ReviewLogRow).order_by(ReviewLogRow.id)]
    target.close()
    assert (summary.cards_added, summary.reviews_added) == (4, len(HISTORY))
    if db_url.startswith("sqlite"):  # the same store: the same bytes
        assert without_export_time(tmp_path / "a.json") == without_export_time(tmp_path / "b.json")
    else:  # PostgreSQL's export encodes the lists itself (no spaces)
        first, second = read_export(tmp_path / "a.json"), read_export(tmp_path / "b.json")
        assert first | {"exported_at": ""} == second | {"exported_at": ""}
    assert befores == [r["card_before"] for r in read_export(tmp_path / "a.json")["reviews"]]
    assert import_json(open_db(db_url), tmp_path / "a.json").reviews_added == 0  # merged


def rows_file(doc: dict, path: Path, columns: dict[str, tuple[str, ...]]) -> None:
    """`doc` in version 3's layout with each row section's columns as given."""
    lines = as_lines(doc, 3).splitlines(keepends=True)
    out = []
    section = None
    for line in lines:
        item = json.loads(line)
        if isinstance(item, dict) and "columns" in item:
            section = item["section"]
            named = columns.get(section, tuple(item["columns"]))
            out.append(json.dumps({"section": section, "columns": named}) + "\n")
            standard = item["columns"]
        elif isinstance(item, list):
            values = dict(zip(standard, item, strict=True))
            out.append(json.dumps([values[c] for c in columns.get(section, standard)]) + "\n")
        else:
            section = None
            out.append(line)
    path.write_text("".join(out))


def test_the_columns_come_in_any_order_and_the_optional_ones_may_be_left_out(good, tmp_path):
    columns = {"reviews": ("card_before", *reversed([c for c in REVIEW_COLUMNS
                                                     if c not in ("card_before",
                                                                  "typed_answer")])),
               "cards": tuple(c for c in reversed(good["cards"][0]) if c != "leech")}
    rows_file(good, tmp_path / "x.json", columns)
    db = open_db(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    assert import_json(db, tmp_path / "x.json").reviews_added == len(HISTORY)
    export_json(db, tmp_path / "again.json")
    db.close()
    again = read_export(tmp_path / "again.json")
    assert again | {"exported_at": ""} == good | {"exported_at": ""}


def test_a_file_without_any_optional_column_imports_with_their_defaults(good, tmp_path,
                                                                        db_url):
    """Every optional column left out (a writer that knows only the required ones): the rows
    go in with the defaults, a scheduled review (cram false), no grade, no leech."""
    columns = {"cards": tuple(c for c in good["cards"][0] if c not in OPTIONAL_COLUMNS["cards"]),
               "reviews": tuple(c for c in REVIEW_COLUMNS if c not in OPTIONAL_COLUMNS["reviews"])}
    rows_file(good, tmp_path / "x.json", columns)
    db = open_db(db_url)
    assert import_json(db, tmp_path / "x.json").reviews_added == len(HISTORY)
    export_json(db, tmp_path / "again.json")
    db.close()
    reviews = read_export(tmp_path / "again.json")["reviews"]
    assert len(reviews) == len(HISTORY)
    assert all(not r.get("cram") and r.get("grade_score") is None for r in reviews)


def _rows(change):
    """A version 3 file made from the good document's lines (changed as text)."""
    def make(good: dict, path: Path) -> None:
        lines = as_lines(good, 3).splitlines(keepends=True)
        path.write_bytes("".join(change(lines)).encode())
    return make


def _row(section: str, index: int, change):
    """The lines with row `index` of `section` (a list, changed in place)."""
    def edit(lines: list[str]) -> list[str]:
        start = next(i for i, x in enumerate(lines) if x.startswith(f'{{"section":"{section}"'))
        row = json.loads(lines[start + 1 + index])
        change(row)
        lines[start + 1 + index] = json.dumps(row) + "\n"
        return lines
    return _rows(edit)


def _columns(section: str, change):
    def edit(lines: list[str]) -> list[str]:
        start = next(i for i, x in enumerate(lines) if x.startswith(f'{{"section":"{section}"'))
        head = json.loads(lines[start])
        change(head)
        lines[start] = json.dumps(head) + "\n"
        return lines
    return _rows(edit)


def _twice(section: str, index: int = 0):
    def edit(lines: list[str]) -> list[str]:
        start = next(i for i, x in enumerate(lines) if x.startswith(f'{{"section":"{section}"'))
        lines.insert(start + 1, lines[start + 1 + index])
        counts = json.loads(lines[-1])
        counts["end"][section] += 1
        lines[-1] = json.dumps(counts) + "\n"
        return lines
    return _rows(edit)


def _set(position: int, value):
    def change(row: list) -> None:
        row[position] = value
    return change


def _review(index: int, column: str, value):
    return _row("reviews", index, _set(REVIEW_COLUMNS.index(column), value))


def _before(index: int, key: str, value):
    return _row("reviews", index, lambda r: r[-1].update({key: value}))


def _card(index: int, column: str, value):
    from studytool.exchange.document import CARD_COLUMNS

    return _row("cards", index, _set(CARD_COLUMNS.index(column), value))


def _text(old: str, new: str):
    return _rows(lambda ls: [x.replace(old, new, 1) for x in ls])


CUT = 'cut short'
HOSTILE = {  # case: (how the file is made, what the message says)
    "truncated mid-row": (_rows(lambda ls: [*ls[:-4], ls[-4][:30]]), "line"),
    "truncated at a line": (_rows(lambda ls: ls[:-3]), CUT),
    "bad at the last byte": (_rows(lambda ls: [*ls[:-1], ls[-1].rstrip()[:-1] + "x\n"]),
                             "line"),
    "bad last review": (_review(3, "rating", 9), "reviews[3].rating"),
    "a value missing": (_row("reviews", 1, lambda r: r.pop(3)), "reviews[1]"),
    "a value too many": (_row("reviews", 1, lambda r: r.append(1)), "reviews[1]"),
    "an object for a row": (_row("reviews", 0, lambda r: r.clear()), "reviews[0]"),
    "rating as text": (_review(0, "rating", "3"), "reviews[0].rating"),
    "rating as bool": (_review(0, "rating", True), "reviews[0].rating"),
    "deck id as number": (_review(2, "deck_id", 5), "reviews[2].deck_id"),
    "huge rating": (_review(0, "rating", 10**30), "reviews[0].rating"),
    "huge duration": (_review(0, "duration_ms", 2**40), "reviews[0].duration_ms"),
    "huge integer text": (_text(',"recall",', ',"recall",' + "9" * 5000 + ","), "cards[0]"),
    "huge stability": (_card(1, "stability", 1e300), "cards[1].stability"),
    "NaN": (_text(",null,null,null,false,{", ",NaN,null,null,false,{"), "reviews[0].grade_score"),
    "Infinity": (_text(",null,null,null,false,{", ",-Infinity,null,null,false,{"),
                 "reviews[0].grade_score"),
    "grade out of range": (_review(1, "grade_score", 1.5), "reviews[1].grade_score"),
    "cram not a flag": (_review(1, "cram", 1), "reviews[1].cram"),
    "naive time": (_review(0, "reviewed_at", "2026-03-02T12:00:00.000000"),
                   "reviews[0].reviewed_at: not a time in the export's form"),
    "another time form": (_review(0, "due_after", "2026-03-02T12:00:00Z"),
                          "reviews[0].due_after"),
    "no such day": (_card(0, "due", "2026-02-29T12:00:00.000000+00:00"), "cards[0].due"),
    "before 1970": (_review(1, "reviewed_at", "1969-12-31T23:59:59.000000+00:00"),
                    "reviews[1].reviewed_at"),
    "bad time in card_before": (_before(1, "due", "2026-13-01T00:00:00+00:00"),
                                "reviews[1].card_before.due"),
    "unknown key in card_before": (_before(0, "evil", 1), "reviews[0].card_before.evil"),
    "card_before not an object": (_review(0, "card_before", [2]), "reviews[0].card_before"),
    "unknown column": (_columns("cards", lambda h: h["columns"].append("evil")),
                       "unknown column 'evil'"),
    "a column missing": (_columns("cards", lambda h: h["columns"].remove("due")),
                         "no column 'due'"),
    "a column twice": (_columns("reviews", lambda h: h["columns"].append("rating")),
                       "'rating' named twice"),
    "columns not a list": (_columns("reviews", lambda h: h.update(columns="rating")),
                           "must be a list"),
    "no columns": (_columns("cards", lambda h: h.pop("columns")), "expected here"),
    "unknown card": (_review(2, "question_id", "nope"), "unknown card d1/nope"),
    "unknown deck": (_card(0, "deck_id", "nope"), "unknown deck"),
    "impossible card": (_card(1, "stability", None), "cannot be scheduled"),
    "duplicate card": (_twice("cards", 1), "appears twice"),
    "duplicate review": (_twice("reviews", 2), "appears twice"),
    "counts disagree": (_rows(lambda ls: [*ls[:-1], ls[-1].replace('"reviews":4',
                                                                   '"reviews":5')]),
                        "the end line counts"),
    "two rows on a line": (_rows(lambda ls: [
        x if not x.startswith('["d1","d1-q1",') else x.rstrip("\n") + "," + x for x in ls]),
        "line"),
    "an empty line": (_rows(lambda ls: [x if not x.startswith('["d1","d1-q1",')
                                        else "\n" + x for x in ls]), "line"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_version_3_file_changes_nothing_and_says_why_in_one_line(case, good,
                                                                          lived_in, tmp_path):
    make, said = HOSTILE[case]
    bad = tmp_path / "bad.json"
    make(json.loads(json.dumps(good)), bad)
    assert bad.read_bytes().startswith(b'{"format":"studytool-export","version":3,')
    message = refused(lived_in, bad)
    assert said in message, message


def test_the_good_version_3_file_goes_in_whole(good, lived_in, tmp_path):
    """The counterpart of the hostile files: the same document unharmed imports."""
    path = tmp_path / "good.json"
    path.write_text(as_lines(good, 3))
    db = open_db(f"sqlite:///{lived_in}")
    assert import_json(db, path).reviews_added == len(HISTORY)
    db.close()


def test_control_characters_in_a_row_are_made_visible(good, tmp_path):
    doc = json.loads(json.dumps(good))
    doc["cards"][0]["text"] = "evil \x1b]0;title\x07 text"
    doc["cards"][1]["tags"] = ["t\x9b"]
    (tmp_path / "x.json").write_text(as_lines(doc, 3))
    db = open_db(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    import_json(db, tmp_path / "x.json")
    export_json(db, tmp_path / "again.json")
    db.close()
    cards = read_export(tmp_path / "again.json")["cards"]
    assert cards[0]["text"] == "evil \u241b]0;title\u2407 text" and cards[1]["tags"] == ["t\ufffd"]


@pytest.mark.slow
def test_the_cli_refuses_a_bad_version_3_file_with_one_line_and_exit_2(good, lived_in, tmp_path,
                                                                      studytool_cmd, child_env):
    bad = tmp_path / "bad.json"
    HOSTILE["bad at the last byte"][0](json.loads(json.dumps(good)), bad)
    before = dump(lived_in)
    done = subprocess.run([*studytool_cmd, "--db", f"sqlite:///{lived_in}", "import", str(bad)],
                          capture_output=True, text=True, env=child_env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert dump(lived_in) == before
    written = tmp_path / "v2.json"
    done = subprocess.run([*studytool_cmd, "--db", f"sqlite:///{lived_in}", "export",
                           "--format", "json", "--json-version", "2", "-o", str(written)],
                          capture_output=True, text=True, env=child_env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert written.read_bytes().startswith(b'{"format":"studytool-export","version":2,')


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(datetime(1970, 1, 1), datetime(8999, 12, 31, 23, 59, 59)),
       shift=st.integers(-40, 40))
def test_the_time_pattern_takes_what_the_time_check_takes(moment, shift):
    """The pattern (no Python step) and the objects' check agree on the export's form, for
    real instants and for dates a few days off a month's end (29-31 of every month)."""
    pattern = re.compile(EXPORT_TIME)
    text = moment.replace(tzinfo=UTC).isoformat(timespec="microseconds")
    assert pattern.match(text) and _time(text) == text
    day = (moment.replace(day=28) + timedelta(days=4)).replace(day=1) + timedelta(days=shift)
    for date in {day.strftime("%Y-%m-%d"), f"{day.year:04d}-{day.month:02d}-{29 + shift % 3}"}:
        candidate = f"{date}T00:00:00.000000+00:00"
        try:
            ok = _time(candidate) == candidate
        except ValueError:
            ok = False
        assert bool(pattern.match(candidate)) == ok, candidate
