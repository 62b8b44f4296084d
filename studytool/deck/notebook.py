"""A Jupyter notebook's Markdown, read as JSON: no kernel, no cell is ever executed.

fastbook's notebooks keep the questionnaire in Markdown cells at the end ("## Questionnaire",
a cell of `1. ...` items, "### Further Research", another list). The Markdown cells are
joined in order with a blank line between them; code and raw cells are left out. `cell_of`
maps a line of the joined text back to its cell, so warnings can say where to look.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from pathlib import Path

from studytool.deck.problems import FileProblem
from studytool.deck.reading import read_text


@dataclass(frozen=True)
class NotebookText:
    markdown: str
    starts: tuple[int, ...]  # first line (1-based) of each Markdown cell in `markdown`
    cells: tuple[int, ...]  # that cell's number in the notebook (1-based, all cell types)

    def cell_of(self, line: int) -> int | None:
        index = bisect.bisect_right(self.starts, line) - 1
        return self.cells[index] if index >= 0 else None


def read_notebook(path: Path) -> NotebookText:
    """The Markdown cells of the notebook at `path`; FileProblem with a one-line reason."""
    return notebook_markdown(read_text(path))


def notebook_markdown(text: str) -> NotebookText:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem(f"not a Jupyter notebook: invalid JSON ({exc.msg})", exc.lineno) \
            from None
    except RecursionError:
        raise FileProblem("not a Jupyter notebook: JSON nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        if isinstance(data, dict) and "worksheets" in data:
            raise FileProblem("a version 3 notebook: open and save it with Jupyter 4 or "
                              "later first")
        raise FileProblem("not a Jupyter notebook: no 'cells' list")
    parts: list[str] = []
    starts: list[int] = []
    cells: list[int] = []
    line = 1
    for number, cell in enumerate(data["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = _cell_source(cell.get("source", ""), number)
        if not source.strip():
            continue
        source = source.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        starts.append(line)
        cells.append(number)
        parts.append(source)
        line += source.count("\n") + 2  # the cell's lines, then the blank line joining them
    return NotebookText("\n\n".join(parts) + "\n", tuple(starts), tuple(cells))


def _cell_source(source: object, number: int) -> str:
    # nbformat 4 allows one string or a list of strings (lines with their "\n").
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    raise FileProblem(f"not a Jupyter notebook: cell {number} has a malformed 'source'")
