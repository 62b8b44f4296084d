"""Version 2 of the JSON export read a line at a time (the layout is in `document`): each line
is one JSON object, parsed and checked by pydantic's own JSON parser straight from the bytes
(no Python object per parser event, as the version 1 stream needs).

Bounds on what a hostile file can cost: a line is read with a length limit (MAX_LINE bytes),
so memory holds one line however the file is made; nesting is bounded by the checks
(`schema`) and the parser's own recursion limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from pydantic import ValidationError

from studytool.exchange.document import END, FORMAT, SECTION
from studytool.exchange.json_stream import MAX_VALUE
from studytool.exchange.schema import ARRAYS, first_error, json_validator

MAX_LINE = MAX_VALUE  # bytes: the biggest item an export holds is a run's output (5 MB)
REPORT_EVERY = 1024  # lines between two progress reports
_SECTION_START = b'{"' + SECTION.encode() + b'"'
_END_START = b'{"' + END.encode() + b'"'


class LinesError(ValueError):
    """The file is not a version 2 export: the message says which line and why."""


def is_header(line: bytes) -> bool:
    """Whether `line` (the first line of a file, with its line break) is a version 2 header:
    a whole JSON object of this format with version 2. Anything else is read as version 1."""
    if not line.endswith(b"\n"):
        return False
    try:
        head = json.loads(line)
    except ValueError:
        return False
    return (isinstance(head, dict) and head.get("format") == FORMAT
            and type(head.get("version")) is int and head["version"] == 2)


class LineReader:
    """The lines of a version 2 export after `first` (its header line, already read)."""

    def __init__(self, binary: IO[bytes], first: bytes, max_line: int = MAX_LINE,
                 on_read: Callable[[int], None] | None = None) -> None:
        self._file = binary
        self._max = max_line
        self._on_read = on_read or (lambda _count: None)
        self._first = first
        self.line_no = 1
        self.bytes_read = len(first)
        self._pending: bytes | None = None  # a line read past the end of a section
        self.counts: dict[str, int] = {}  # items read, by section

    def header(self) -> dict[str, Any]:
        return self._check(json_validator("header"), self._first, "header")

    def items(self, section: str) -> Iterator[tuple[int, Any]]:
        """The section's items (after its own line), each checked, with its index; ends at
        the next section's line or the end line, which is left for `section` or `end`."""
        # The hot loop (a million lines): the checks of `_next` and `_check` written in.
        self._expect(section)
        check = json_validator(section)
        readline, limit, stops = self._file.readline, self._max + 1, (_SECTION_START, _END_START)
        index = 0
        while True:
            line = readline(limit)
            self.line_no += 1
            self.bytes_read += len(line)
            if not line or line.startswith(stops):
                self._pending = line
                self.counts[section] = index
                return
            if len(line) > self._max:
                raise self._fail(f"longer than {self._max:,} bytes")
            try:
                item = check(line)
            except ValidationError as exc:
                raise self._fail(first_error(exc, f"{section}[{index}]")) from exc
            yield index, item
            index += 1
            if index % REPORT_EVERY == 0:
                self._on_read(self.bytes_read)

    def end(self) -> None:
        """The end line, saying as many items of each section as were read, and then
        nothing."""
        counts = self.counts
        line = self._next()
        if not line:
            raise self._fail("the file ends before its end line (cut short?)")
        said = self._check(json_validator(END), line, "")[END]
        for key in ARRAYS:
            if said[key] != counts[key]:
                raise self._fail(f"the end line counts {said[key]:,} {key}, the file has "
                                 f"{counts[key]:,} (cut short or edited?)")
        if self._next():
            raise self._fail("something follows the end line")
        self._on_read(self.bytes_read)

    def _expect(self, section: str) -> None:
        line = self._next()
        expected = f'{{"{SECTION}":"{section}"}}'
        if not line:
            raise self._fail(f"the file ends before {expected} (cut short?)")
        try:
            found = json.loads(line)
        except ValueError:
            found = None
        if found != {SECTION: section}:
            raise self._fail(f"{expected} expected here (sections come in the order "
                             f"{', '.join(ARRAYS)})")

    def _next(self) -> bytes:
        if self._pending is not None:
            line, self._pending = self._pending, None
            return line
        line = self._file.readline(self._max + 1)
        self.line_no += 1
        self.bytes_read += len(line)
        if len(line) > self._max:
            raise self._fail(f"longer than {self._max:,} bytes")
        return line

    def _check(self, check: Callable[[bytes], Any], line: bytes, where: str) -> Any:
        try:
            return check(line)
        except ValidationError as exc:
            raise self._fail(first_error(exc, where)) from exc

    def _fail(self, message: str) -> LinesError:
        return LinesError(f"line {self.line_no:,}: {message}")
