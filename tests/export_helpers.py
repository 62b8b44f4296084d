"""Reading and writing JSON exports in tests, in either version's layout (see
studytool.exchange.document)."""

from __future__ import annotations

import json
from pathlib import Path

SECTIONS = ("decks", "cards", "reviews", "exercises", "runs")


def read_export(path: Path) -> dict:
    """The export as one document (version 1's shape), whichever version the file is."""
    text = path.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    try:
        head = json.loads(first)
    except ValueError:
        return json.loads(text)
    if head.get("version") != 2:
        return json.loads(text)
    doc, section = dict(head), None
    for line in rest.splitlines():
        item = json.loads(line)
        if set(item) == {"section"}:
            section = item["section"]
            doc[section] = []
        elif set(item) == {"end"}:
            assert item["end"] == {k: len(doc[k]) for k in SECTIONS}
        else:
            doc[section].append(item)
    return doc


def as_lines(doc: dict) -> str:
    """The document in version 2's layout (JSON lines), as the export writes it."""
    head = {k: doc[k] for k in ("format", "version", "exported_at", "settings")}
    lines = [json.dumps(dict(head, version=2), separators=(",", ":"))]
    for key in SECTIONS:
        lines.append(json.dumps({"section": key}, separators=(",", ":")))
        lines += [json.dumps(item, separators=(",", ":")) for item in doc[key]]
    lines.append(json.dumps({"end": {k: len(doc[k]) for k in SECTIONS}},
                            separators=(",", ":")))
    return "\n".join(lines) + "\n"
