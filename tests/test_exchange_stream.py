"""The streamed JSON import: read as it goes (never the whole file at once), one transaction
however late the problem, any layout of the same document, from a pipe too; and the progress
it reports. The walker itself (json_stream, on ijson) on documents cut at every chunk size."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from export_helpers import dump, read_export
from hypothesis import given, settings
from hypothesis import strategies as st
from test_exchange_json import in_lines, seed

from studytool.errors import StudytoolError
from studytool.exchange import json_import
from studytool.exchange.document import VERSION
from studytool.exchange.json_export import export_json
from studytool.exchange.json_import import import_json
from studytool.exchange.json_stream import JsonError, JsonStream, JsonSyntaxError, TooDeep
from studytool.store import open_db

HISTORY = [(i % 4, 1 + i % 4, 5 + i) for i in range(40)]


@pytest.fixture
def exported(tmp_path) -> Path:
    service = seed(f"sqlite:///{tmp_path / 'a.sqlite3'}", HISTORY)
    export_json(service.db, tmp_path / "a.json", version=1)  # the streamed reader's layout
    service.db.close()
    return tmp_path / "a.json"


def document_of(db, folder: Path) -> dict:
    """What the database holds, as its export (the export time left out)."""
    out = folder / "check.json"
    export_json(db, out)
    data = read_export(out)
    data.pop("exported_at")
    return data


@pytest.mark.parametrize("damage", ["last byte", "a bad last review", "a bad run"])
def test_a_file_bad_at_its_end_changes_nothing(exported, tmp_path, db_url, damage):
    """Everything before the problem was already in the transaction: none of it stays."""
    text = exported.read_text()
    if damage == "last byte":
        bad = text.rstrip()[:-1] + "x"  # the closing brace of the whole document
    elif damage == "a bad last review":
        doc = json.loads(text)
        doc["reviews"][-1]["rating"] = 9
        bad = in_lines(doc)
    else:
        doc = json.loads(text)
        doc["runs"][-1]["status"] = "exploded"
        bad = in_lines(doc)
    path = tmp_path / "bad.json"
    path.write_text(bad)
    db = open_db(db_url)
    seed(db_url, [(2, 3, 10)], with_extras=False).db.close()  # a history of its own
    before = document_of(db, tmp_path)
    with pytest.raises(StudytoolError) as caught:
        import_json(db, path)
    assert "\n" not in str(caught.value)
    assert document_of(db, tmp_path) == before
    assert import_json(db, exported).reviews_added == len(HISTORY)  # the good file goes in
    db.close()


@pytest.mark.slow
def test_reviews_reach_the_database_long_before_the_file_is_read(exported, tmp_path,
                                                                  monkeypatch):
    """Streaming, not reading it all first: when the first batch of reviews is inserted only
    a small part of a file of 30,000 reviews has been read."""
    doc = json.loads(exported.read_text())
    template = doc["reviews"][0]
    doc["reviews"] = [dict(template, reviewed_at=f"2027-01-01T{i // 3600:02d}:"
                           f"{i // 60 % 60:02d}:{i % 60:02d}.000000+00:00")
                      for i in range(30_000)]
    (tmp_path / "big.json").write_text(in_lines(doc))
    size = (tmp_path / "big.json").stat().st_size
    seen: list[int] = []
    streams: list[JsonStream] = []
    real_stream, real_insert = json_import.JsonStream, json_import._Rows.insert

    def stream(*args, **kwargs):
        streams.append(real_stream(*args, chunk=64 * 1024, **kwargs))
        return streams[-1]

    def insert(self, model, rows):
        if model.__tablename__ == "review_log" and rows:
            seen.append(streams[0].bytes_read)
        real_insert(self, model, rows)

    monkeypatch.setattr(json_import, "JsonStream", stream)
    monkeypatch.setattr(json_import._Rows, "insert", insert)
    db = open_db(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    assert import_json(db, tmp_path / "big.json").reviews_added == 30_000
    db.close()
    assert size > 2_000_000 and seen[0] < size / 4, (seen[0], size)


@pytest.mark.parametrize("layout", ["export", "compact", "indented"])
def test_every_layout_of_the_same_document_imports_the_same(exported, tmp_path, layout):
    doc = json.loads(exported.read_text())
    text = {"export": exported.read_text(), "compact": json.dumps(doc),
            "indented": json.dumps(doc, indent=2)}[layout]
    (tmp_path / "x.json").write_text(text)
    db = open_db(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    summary = import_json(db, tmp_path / "x.json")
    assert summary.reviews_added == len(HISTORY) and summary.cards_added == 4
    got = document_of(db, tmp_path)
    doc.pop("exported_at")
    assert got == dict(doc, version=VERSION)  # the same document (exported as today's)
    db.close()


def test_sections_out_of_order_or_twice_are_refused(exported, tmp_path):
    doc = json.loads(exported.read_text())
    cases = {
        "reviews before cards": {k: doc[k] for k in ("format", "version", "exported_at",
                                                      "settings", "decks", "reviews", "cards",
                                                      "exercises", "runs")},
        "data before the version": {k: doc[k] for k in ("format", "decks", "version",
                                                         "exported_at", "settings", "cards",
                                                         "reviews", "exercises", "runs")},
    }
    path = tmp_path / "x.json"
    target = tmp_path / "t.sqlite3"
    seed(f"sqlite:///{target}", [(1, 3, 5)]).db.close()
    before = dump(target)
    db = open_db(f"sqlite:///{target}")
    messages = {}
    for name, reordered in cases.items():
        path.write_text(json.dumps(reordered))
        with pytest.raises(StudytoolError) as caught:
            import_json(db, path)
        messages[name] = str(caught.value)
    text = exported.read_text()
    path.write_text(text.replace('"exercises":', '"runs":[],\n"exercises":', 1))
    with pytest.raises(StudytoolError) as caught:
        import_json(db, path)
    messages["runs twice"] = str(caught.value)
    db.close()
    assert dump(target) == before
    assert "reviews come before cards" in messages["reviews before cards"]
    assert "before the data" in messages["data before the version"]
    assert "'runs' appears twice" in messages["runs twice"]


def test_the_import_reads_from_a_pipe(exported, tmp_path, studytool_cmd, child_env):
    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    with exported.open("rb") as source:
        done = subprocess.run([*studytool_cmd, "--db", url, "import", "/dev/stdin"],
                              stdin=source, capture_output=True, text=True, env=child_env,
                              timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"reviews added {len(HISTORY)}" in done.stdout


def test_max_mb_still_caps_what_is_read(exported, tmp_path):
    db = open_db(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    with pytest.raises(StudytoolError, match="over the import limit"):
        import_json(db, exported, max_bytes=exported.stat().st_size - 1)
    assert import_json(db, exported, max_bytes=exported.stat().st_size).reviews_added == 40
    db.close()


def test_progress_counts_what_went_through(exported, tmp_path):
    imports, exports = [], []
    db = open_db(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    import_json(db, exported, progress=imports.append)
    export_json(db, tmp_path / "again.json", progress=exports.append)
    db.close()
    last = imports[-1]
    assert last.action == "import" and last.unit == "bytes"
    assert last.done == last.total == exported.stat().st_size and last.fraction == 1.0
    assert last.counts == {"decks": 1, "cards": 4, "reviews": 40, "exercises": 1, "runs": 1}
    assert "40 reviews" in last.counts_text()
    assert [p.done for p in imports] == sorted(p.done for p in imports)
    final = exports[-1]
    assert final.action == "export" and (final.done, final.total) == (40, 40)
    assert final.counts["reviews"] == 40 and final.counts["cards"] == 4


# -- the walker ------------------------------------------------------------------------------
def walk(text: bytes, chunk: int, max_value: int = 1 << 20) -> dict:
    stream = JsonStream(io.BytesIO(text), chunk=chunk, max_value=max_value)
    out = {}
    for key in stream.members():
        out[key] = list(stream.items()) if stream.kind() == "start_array" else stream.value()
    return out


def typed(value):
    """The value with each scalar's type beside it: True == 1 == 1.0 in Python, not in JSON."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


DOCS = [b'{}', b' { "a" : [ ] } ', b'{"a": [1, 22, 333, {"b": [4, "x,]}"]}], "c": 12345}',
        b'{"n": -1.5e3, "s": "\\u00e9\\"", "t": true, "f": null, "i": 1, "x": 1.0}',
        '{"\u00fc": ["\u00e9\u4e2d", "\U0001f600"]}'.encode()]


@pytest.mark.parametrize("text", DOCS)
def test_the_walker_reads_what_json_reads_at_any_chunk_size(text):
    for chunk in (1, 2, 3, 7, 64, 4096):
        assert typed(walk(text, chunk)) == typed(json.loads(text)), chunk


@pytest.mark.parametrize(("text", "reason"), [
    (b'{"a": [1, 2', "premature EOF in a[2]"),
    (b'{"a": 1 "b": 2}', "in the top level"),
    (b'{"a": [1,]}', "in a[1]"),
    (b'{"a": 1} x', "trailing garbage in what follows the closing brace"),
    (b'\n\n  {"a": [{"b": 1}, {"b": tru}]}', "in a[1], near"),
    (b'{"a": 1,}', "in the top level"),
    (b'{"a": [1, NaN]}', "NaN is not a number JSON allows in a[1] (write null)"),
    (b'{"a": {"b": -Infinity}}', "-Infinity is not a number JSON allows in a"),
    (b'{"a": [Infinity]}', "Infinity is not a number JSON allows in a[0]"),
    (b'{"a": [1, 18446744073709551616]}', "integer overflow in a[1]"),
    (b'{"a": [{"b": "\xff"}]}', "invalid bytes in UTF8 string in a[0]"),
])
def test_the_walker_refuses_what_json_refuses_in_one_line_saying_where(text, reason):
    for chunk in (1, 5, 4096):
        with pytest.raises(JsonSyntaxError) as caught:
            walk(text, chunk)
        message = str(caught.value)
        assert reason in message and "\n" not in message and len(message) < 200, (chunk,
                                                                                   message)


def test_the_walker_refuses_deep_nesting_and_long_values():
    deep = b'{"a": [' + b'[' * 5000 + b']' * 5000 + b']}'
    with pytest.raises(TooDeep, match=r"nested too deeply in a\[0\]"):
        walk(deep, 4096)
    assert walk(b'{"a": [' + b'[' * 150 + b']' * 150 + b']}', 4096)["a"][0]  # deep, not too
    long = b'{"a": ["' + b"x" * 50_000 + b'"], "b": "' + b"y" * 50_000 + b'"}'
    assert len(walk(long, 4096, max_value=60_000)["b"]) == 50_000
    with pytest.raises(JsonError, match="a single value longer than 40,000 bytes"):
        walk(long, 4096, max_value=40_000)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63 + 1, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=4),
    max_leaves=12)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(members=st.dictionaries(st.text(max_size=6), json_values | st.lists(json_values),
                               max_size=5),
       chunk=st.integers(1, 17), indent=st.sampled_from([None, 1]))
def test_the_walker_agrees_with_json_on_any_document(members, chunk, indent):
    text = json.dumps(members, indent=indent, ensure_ascii=False).encode()
    assert typed(walk(text, chunk)) == typed(json.loads(text))


def many_reviews(exported: Path, n: int) -> dict:
    doc = json.loads(exported.read_text())
    template = doc["reviews"][0]
    doc["reviews"] = [dict(template, reviewed_at=f"2027-01-01T{i // 3600:02d}:"
                           f"{i // 60 % 60:02d}:{i % 60:02d}.000000+00:00") for i in range(n)]
    return doc


@pytest.mark.slow
def test_a_big_merge_counts_what_was_there_on_every_path(exported, tmp_path, db_url):
    """30,000 reviews into a database that has 2,000 of them: on SQLite the first are looked
    up one by one, then the load passes the bulk threshold (indexes dropped, the ones
    already there taken out at the end); PostgreSQL takes them out at the end."""
    doc = many_reviews(exported, 30_000)
    full, part = tmp_path / "full.json", tmp_path / "part.json"
    full.write_text(in_lines(doc))
    part.write_text(in_lines(dict(doc, reviews=doc["reviews"][10_000:12_000])))
    db = open_db(db_url)
    assert import_json(db, part).reviews_added == 2_000
    summary = import_json(db, full)
    assert (summary.reviews_added, summary.reviews_already_there) == (28_000, 2_000)
    again = import_json(db, full)
    assert (again.reviews_added, again.reviews_already_there) == (0, 30_000)
    doc["reviews"].append(doc["reviews"][20_000])  # the same review twice, past the switch
    (tmp_path / "twice.json").write_text(in_lines(doc))
    fresh = open_db(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with pytest.raises(StudytoolError, match="appears twice"):
        import_json(fresh, tmp_path / "twice.json")
    fresh.close()
    db.close()


def test_rows_linked_to_nothing_are_refused_before_they_stay(exported, tmp_path, monkeypatch):
    """SQLite's import writes without a foreign-key check per row and checks the links once
    at the end: a review given a card id that is no card's (here by a broken id map) makes
    the whole import go back."""
    db_path = tmp_path / "b.sqlite3"
    open_db(f"sqlite:///{db_path}").close()
    before = dump(db_path)
    stored = json_import._Import._read_cards

    def broken_ids(self, *args):
        stored(self, *args)
        key = next(iter(self.card_ids))
        self.card_ids[key] = 999_999  # no card has it

    monkeypatch.setattr(json_import._Import, "_read_cards", broken_ids)
    db = open_db(f"sqlite:///{db_path}")
    with pytest.raises(StudytoolError, match="link to missing ones"):
        import_json(db, exported)
    db.close()
    assert dump(db_path) == before

