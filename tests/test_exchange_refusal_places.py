"""Where in the file a refused import went wrong: the same deck, card or review twice, and a
review of a card the file does not have, each named by its line (JSON lines, versions 2 and 3)
or its place in the section (version 1), on SQLite and PostgreSQL; the review found twice at
the end names both of its lines, also when the batch holding them had rows already there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from export_helpers import as_lines, dump, read_export
from test_exchange_json import seed, seeded_export
from test_exchange_rows import HISTORY

from studytool.errors import StudytoolError
from studytool.exchange.json_export import export_json
from studytool.exchange.json_import import import_json
from studytool.store import open_db


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict:
    return seeded_export(tmp_path_factory.mktemp("good"), HISTORY)

def written(doc: dict, path: Path, version: int) -> list[str]:
    """`doc` written in `version`'s layout; returns the file's lines."""
    path.write_text(json.dumps(dict(doc, version=1)) if version == 1 else as_lines(doc, version))
    return path.read_text().splitlines()


def message(url: str, path: Path) -> str:
    db = open_db(url)
    try:
        with pytest.raises(StudytoolError) as caught:
            import_json(db, path)
    finally:
        db.close()
    return str(caught.value)


def line_of(lines: list[str], marker: str, nth: int = 0) -> int:
    """The number of the `nth` line holding `marker`."""
    return [n for n, line in enumerate(lines, 1) if marker in line][nth]


def place(version: int, section: str, index: int, line: int) -> str:
    return f"{section}[{index}]" if version == 1 else f"line {line:,}: {section}[{index}]"


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_review_of_a_card_the_file_lacks_names_its_line(good, version, db_url, tmp_path):
    doc = json.loads(json.dumps(good))
    doc["reviews"][2]["question_id"] = "nope"
    lines = written(doc, tmp_path / "x.json", version)
    said = message(db_url, tmp_path / "x.json")
    at = doc["reviews"][2]["reviewed_at"]
    expected = (f"{place(version, 'reviews', 2, line_of(lines, 'nope'))}: a review at {at} "
                "names unknown card d1/nope")
    assert expected in said, said


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_review_twice_names_both_lines(good, version, db_url, tmp_path):
    doc = json.loads(json.dumps(good))
    doc["reviews"].append(dict(doc["reviews"][1]))  # the second review again, at the end
    lines = written(doc, tmp_path / "x.json", version)
    said = message(db_url, tmp_path / "x.json")
    review = doc["reviews"][1]
    text = json.dumps([review["deck_id"], review["question_id"], review["reviewed_at"]],
                      separators=(",", ":"))[1:-1]
    marker = text if version == 3 else f'"reviewed_at":"{review["reviewed_at"]}"'
    first, second = (0, 0) if version == 1 else (line_of(lines, marker),
                                                 line_of(lines, marker, 1))
    expected = (f"{place(version, 'reviews', len(HISTORY), second)}: review "
                f"{review['deck_id']}/{review['question_id']} at {review['reviewed_at']} rated "
                f"{review['rating']} appears twice (first at "
                f"{place(version, 'reviews', 1, first)})")
    assert expected in said, said


@pytest.mark.parametrize("section", ["decks", "cards"])
@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_deck_or_card_twice_names_the_second_ones_line(good, section, version, tmp_path):
    doc = json.loads(json.dumps(good))
    doc[section].append(dict(doc[section][-1]))
    lines = written(doc, tmp_path / "x.json", version)
    said = message(f"sqlite:///{tmp_path / 'b.sqlite3'}", tmp_path / "x.json")
    index = len(doc[section]) - 1
    what = (f"deck {doc['decks'][-1]['id']}" if section == "decks" else
            f"card {doc['cards'][-1]['deck_id']}/{doc['cards'][-1]['question_id']}")
    line = 0 if version == 1 else line_of(lines, f'{{"section":"{section}"') + 1 + index
    assert f"{place(version, section, index, line)}: {what} appears twice" in said, said


def test_a_review_twice_among_reviews_already_there_names_both_lines(good, tmp_path):
    """Restoring a backup over the database it came from, with one review in it twice: the
    rows already there are skipped as they go in, so the batch's ids are not its lines."""
    source = tmp_path / "a.sqlite3"
    seed(f"sqlite:///{source}", HISTORY).db.close()
    export_json(open_db(f"sqlite:///{source}"), tmp_path / "a.json")
    doc = read_export(tmp_path / "a.json")
    twice = dict(doc["reviews"][3], reviewed_at="2030-01-01T00:00:00.000000+00:00")
    doc["reviews"][2:2] = [twice]  # new, among the ones already there
    doc["reviews"].append(twice)  # ... and again at the end
    lines = written(doc, tmp_path / "x.json", 3)
    before = dump(source)
    said = message(f"sqlite:///{source}", tmp_path / "x.json")
    assert dump(source) == before
    first, second = line_of(lines, "2030-01-01"), line_of(lines, "2030-01-01", 1)
    assert (f"line {second}: reviews[{len(HISTORY) + 1}]: review d1/{twice['question_id']} at "
            f"2030-01-01T00:00:00.000000+00:00 rated {twice['rating']} appears twice (first at "
            f"line {first}: reviews[2])") in said, said
