"""Plain-text tables for `studytool answers` and `studytool check` (a pipe, a log, a test).

Column widths come from the data, so every row's columns start at the same place; the last
column is cut with … to the width (the terminal's, else $COLUMNS, else 80).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import Any

from answers_code.registry import Answer
from studytool.run_record import STATUSES, RunRecord
from studytool.runner.checks import key_figure_parts

GAP = "  "
MIN_LAST = 16  # the last column keeps at least this many characters, even past the width
VALUE_WIDTH = 10  # a figure by studytool.runner.figures: "-1.234e-04" at most, for numbers
KEY_WIDTH_MAX = 22  # longer keys are cut: the row must stay within 80 columns
KEY_WIDTH_MIN = 14  # room for a key the answer's final holds beyond its checks


def width() -> int:
    return shutil.get_terminal_size((80, 24)).columns


def cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: max(0, size - 1)] + "…"


def table(rows: Sequence[Sequence[str]], total: int) -> list[str]:
    """Rows as lines: each column as wide as its widest cell, the last cut to `total`."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    start = sum(widths) + len(GAP) * len(widths)
    last = max(MIN_LAST, total - start)
    return [GAP.join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)),
                      cut(row[-1], last)]).rstrip() for row in rows]


def short_question(question_id: str) -> str:
    """ch12-q09 -> q09: every id in this tool is of chapter 12."""
    return question_id.split("-", 1)[-1]


def answers_lines(rows: list[dict[str, Any]], total: int) -> list[str]:
    cells = [["name", "trains", "questions", "title"]]
    cells += [[row["name"], "yes" if row["trains"] else "",
               " ".join(short_question(q) for q in row["questions"]), row["title"]]
              for row in rows]
    return table(cells, total)


class CheckRows:
    """One line per finished answer, `name status key value seconds [message]`, with widths
    fixed before the first answer finishes (rows print as they come, not at the end)."""

    def __init__(self, answers: dict[str, Answer], seeded: set[str] | None = None) -> None:
        self.answers = answers
        self.seeded = seeded or set()  # answers run once per seed: their rows name the seed
        names = [f"{n} s99" if n in self.seeded else n for n in answers]
        self.name_width = max((len(name) for name in names), default=4)
        self.status_width = max(len(status) for status in STATUSES)
        keys = [a.checks[0].key if a.checks else "accuracy" for a in answers.values()]
        self.key_width = min(KEY_WIDTH_MAX, max([KEY_WIDTH_MIN, *(len(k) for k in keys)]))

    def line(self, record: RunRecord) -> str:
        key, value = key_figure_parts(self.answers[record.answer], record.final)
        name = record.answer
        if name in self.seeded:
            name = f"{name} s{record.params.get('seed')}"
        cells = [name.ljust(self.name_width), record.status.ljust(self.status_width),
                 cut(key, self.key_width).ljust(self.key_width),
                 cut(value, VALUE_WIDTH).rjust(VALUE_WIDTH), f"{record.seconds:6.1f}s"]
        text = GAP.join(cells)
        if record.status != "ok" and record.message:
            text += GAP + record.message  # the reason in full: it is what a reader needs
        return text
