"""Where things are in a deck file's text, for problem lines that editors can jump to.

tomllib gives values without positions, so this scans the text once: the line of `[deck]`,
of each `[[question]]` header, and of each key inside those tables. Lines inside multi-line
strings are skipped, so an answer that quotes TOML cannot confuse it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_QUESTION = re.compile(r"\[\[\s*question\s*\]\]")
_DECK = re.compile(r"\[\s*deck\s*\]")
_KEY = re.compile(r"""(?P<key>[A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=\s*(?P<value>.*)""")
_ID_VALUE = re.compile(r"""^(?:"([^"\\]*)"|'([^']*)')""")


@dataclass
class Table:
    line: int
    keys: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str | None) -> int:
        if key is None:
            return self.line
        return self.keys.get(key, self.line)


@dataclass
class Layout:
    deck: Table | None = None
    questions: list[Table] = field(default_factory=list)
    top_keys: dict[str, int] = field(default_factory=dict)  # keys and tables outside both
    ids: dict[str, list[int]] = field(default_factory=dict)  # question id -> header lines

    def question_line(self, index: int, key: str | None = None) -> int | None:
        if 0 <= index < len(self.questions):
            return self.questions[index].line_of(key)
        return None

    def deck_line(self, key: str | None = None) -> int | None:
        return self.deck.line_of(key) if self.deck else None


def scan(text: str) -> Layout:
    layout = Layout()
    current: Table | None = None
    in_string: str | None = None  # the delimiter of the open multi-line string
    for number, raw in enumerate(text.split("\n"), start=1):
        if in_string:
            if string_closes(raw, in_string):
                in_string = None
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if _QUESTION.match(line):
            current = Table(number)
            layout.questions.append(current)
        elif _DECK.match(line):
            current = layout.deck = Table(number)
        elif line.startswith("["):
            current = None
            layout.top_keys.setdefault(line.strip("[] ").split("]")[0].strip(), number)
        else:
            match = _KEY.match(line)
            if not match:
                continue
            key = match["key"].strip("\"'")
            target = current.keys if current else layout.top_keys
            target.setdefault(key, number)
            if key == "id" and current is not None and current is not layout.deck:
                value = _ID_VALUE.match(match["value"])
                if value:
                    qid = value[1] if value[1] is not None else value[2]
                    layout.ids.setdefault(qid, []).append(current.line)
            in_string = string_opens(match["value"])
    return layout


def string_opens(value: str) -> str | None:
    """The delimiter of a multi-line string that starts in `value` and stays open."""
    for delim in ('"""', "'''"):
        if value.startswith(delim):
            return None if string_closes(value[3:], delim) else delim
    return None


def string_closes(text: str, delim: str) -> bool:
    if delim == "'''":
        return delim in text
    # In basic strings a backslash escapes the next character, so \""" does not close.
    return re.search(r'(?<!\\)(?:\\\\)*"""', text) is not None
