"""Reading and writing JSON exports in tests, in any version's layout (see
studytool.exchange.document)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from studytool.errors import StudytoolError
from studytool.exchange.document import CARD_COLUMNS, REVIEW_COLUMNS
from studytool.exchange.json_import import import_json
from studytool.store import open_db

SECTIONS = ("decks", "cards", "reviews", "exercises", "runs")
ROWS = {"cards": CARD_COLUMNS, "reviews": REVIEW_COLUMNS}  # version 3's rows
ABSENT = {"cram": False}  # what version 2 leaves out, as version 3 writes it
GRADE = ("grade_score", "suggested_rating", "typed_answer")  # a review's, when it has one


def read_export(path: Path) -> dict:
    """The export as one document (version 1's shape), whichever version the file is; a
    version 3 review without a grade comes without its three keys, and a scheduled one
    without `cram`, as in version 2."""
    text = path.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    try:
        head = json.loads(first)
    except ValueError:
        return json.loads(text)
    if head.get("version") not in (2, 3):
        return json.loads(text)
    doc, section, columns = dict(head), None, None
    for line in rest.splitlines():
        item = json.loads(line)
        if isinstance(item, dict) and set(item) in ({"section"}, {"section", "columns"}):
            section, columns = item["section"], item.get("columns")
            doc[section] = []
        elif isinstance(item, dict) and set(item) == {"end"}:
            assert item["end"] == {k: len(doc[k]) for k in SECTIONS}
        elif columns is not None:
            assert isinstance(item, list) and len(item) == len(columns), line
            row = dict(zip(columns, item, strict=True))
            if section == "reviews" and all(row[k] is None for k in GRADE):
                for key in GRADE:
                    del row[key]
            if section == "reviews" and row.get("cram") is False:
                del row["cram"]  # version 2 names only cram reviews
            doc[section].append(row)
        else:
            doc[section].append(item)
    return doc


def as_lines(doc: dict, version: int = 2) -> str:
    """The document in version 2's layout (JSON lines) or version 3's (rows), as the export
    writes it."""
    compact = {"separators": (",", ":")}
    head = {k: doc[k] for k in ("format", "version", "exported_at", "settings")}
    lines = [json.dumps(dict(head, version=version), **compact)]
    for key in SECTIONS:
        columns = ROWS.get(key) if version == 3 else None
        if columns is None:
            lines.append(json.dumps({"section": key}, **compact))
            lines += [json.dumps(item, **compact) for item in doc[key]]
        else:
            lines.append(json.dumps({"section": key, "columns": columns}, **compact))
            lines += [json.dumps([item.get(c, ABSENT.get(c)) for c in columns], **compact)
                      for item in doc[key]]
    lines.append(json.dumps({"end": {k: len(doc[k]) for k in SECTIONS}}, **compact))
    return "\n".join(lines) + "\n"


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def refused(database: Path, bad: Path) -> str:
    """The import of `bad` into the SQLite file `database` fails, on one line naming the
    file, and changes no byte of it; returns the message."""
    before = dump(database)
    db = open_db(f"sqlite:///{database}")
    with pytest.raises(StudytoolError) as caught:
        import_json(db, bad)
    db.close()
    message = str(caught.value)
    assert "\n" not in message and str(bad) in message and len(message) < 400, message
    assert dump(database) == before
    return message
