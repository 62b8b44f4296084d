"""Versions 2 and 3 of the JSON export read a line at a time (the layout is in `document`):
each line is one JSON value, parsed and checked by pydantic's own JSON parser straight from
the bytes (no Python object per parser event, as the version 1 stream needs); version 3's
rows are checked as tuples of the columns their section line names.

Bounds on what a hostile file can cost: a line is read with a length limit (MAX_LINE bytes),
so memory holds one line however the file is made; nesting is bounded by the checks
(`schema`) and the parser's own recursion limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from pydantic import ValidationError

from studytool.exchange.document import (
    COLUMNS,
    END,
    FORMAT,
    LINES,
    OPTIONAL_COLUMNS,
    SECTION,
)
from studytool.exchange.json_stream import MAX_VALUE
from studytool.exchange.schema import (
    ARRAYS,
    column_names,
    first_error,
    json_validator,
    message,
    one_line,
    row_validators,
)

MAX_LINE = MAX_VALUE  # bytes: the biggest item an export holds is a run's output (5 MB)
REPORT_EVERY = 1024  # lines between two progress reports
_SECTION_START = b'{"' + SECTION.encode() + b'"'
_END_START = b'{"' + END.encode() + b'"'


class LinesError(ValueError):
    """The file is not a version 2 or 3 export: the message says which line and why."""


def is_header(line: bytes) -> bool:
    """Whether `line` (the first line of a file, with its line break) is the header of JSON
    lines: a whole JSON object of this format with version 2 or 3. Anything else is read as
    version 1."""
    if not line.endswith(b"\n"):
        return False
    try:
        head = json.loads(line)
    except ValueError:
        return False
    return (isinstance(head, dict) and head.get("format") == FORMAT
            and type(head.get("version")) is int and head["version"] in LINES)


class LineReader:
    """The lines of a version 2 or 3 export after `first` (its header line, already
    read)."""

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
        self.columns: dict[str, tuple[str, ...]] = {}  # version 3: each section's, as named

    def header(self) -> dict[str, Any]:
        return self._check(json_validator("header"), self._first, "header")

    def items(self, section: str) -> Iterator[tuple[int, Any]]:
        """The section's items (after its own line), each checked, with its index; ends at
        the next section's line or the end line, which is left for `section` or `end`."""
        self._expect(section)

        def refused(exc: ValidationError, _line: bytes, where: str) -> Any:
            raise self._fail(first_error(exc, where)) from exc

        for index, item, _line in self._checked_lines(section, json_validator(section),
                                                      refused, None):
            yield index, item

    def rows(self, section: str) -> Iterator[tuple[int, tuple[Any, ...], bytes]]:
        """Version 3: the section's rows (after its line naming their columns), each checked,
        with its index and its line; in the export's column order (`document`), an optional
        column the file left out as None. Ends as `items` does. The section's line is read
        here, before the first row is asked for (`columns` then holds its columns)."""
        columns = self.columns[section] = self._expect(section, rows=True)
        check, exact = row_validators(section, columns)

        def refused(exc: ValidationError, line: bytes, where: str) -> Any:
            return self._checked(exact, exc, line, where, columns)

        return self._checked_lines(section, check, refused, _order(section, columns))

    def _checked_lines(self, section: str, check: Callable[[bytes], Any],
                       refused: Callable[[ValidationError, bytes, str], Any],
                       order: Callable[[Any], Any] | None) -> Iterator[tuple[int, Any, bytes]]:
        """Each line of the section through `check` (`refused` has the last word on a line it
        refuses), with its index and the line."""
        # The hot loop (a million lines): the checks of `_next` and `_check` written in.
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
                value = check(line)
            except ValidationError as exc:
                value = refused(exc, line, f"{section}[{index}]")
            yield index, value if order is None else order(value), line
            index += 1
            if index % REPORT_EVERY == 0:
                self._on_read(self.bytes_read)

    def _checked(self, exact: Callable[[bytes], Any] | None, exc: ValidationError,
                 line: bytes, where: str, columns: tuple[str, ...]) -> Any:
        """A row the fast check refused: the exact one's verdict."""
        try:
            if exact is None:
                raise exc
            return exact(line)
        except ValidationError as error:
            raise self._fail(row_error(error, where, columns)) from error

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

    def _expect(self, section: str, rows: bool = False) -> tuple[str, ...]:
        """The section's line; for rows, the columns it names."""
        line = self._next()
        expected = (f'{{"{SECTION}":"{section}","{COLUMNS}":[...]}}' if rows
                    else f'{{"{SECTION}":"{section}"}}')
        if not line:
            raise self._fail(f"the file ends before {expected} (cut short?)")
        try:
            found = json.loads(line)
        except ValueError:
            found = None
        keys = {SECTION, COLUMNS} if rows else {SECTION}
        if not isinstance(found, dict) or set(found) != keys or found[SECTION] != section:
            raise self._fail(f"{expected} expected here (sections come in the order "
                             f"{', '.join(ARRAYS)})")
        return self._columns(section, found[COLUMNS]) if rows else ()

    def _columns(self, section: str, named: Any) -> tuple[str, ...]:
        if not isinstance(named, list) or not all(isinstance(c, str) for c in named):
            raise self._fail(f"{section}: the columns must be a list of names")
        known = column_names(section)
        for name in named:
            if name not in known:
                raise self._fail(f"{section}: unknown column {one_line(repr(name))[:60]}")
            if named.count(name) > 1:
                raise self._fail(f"{section}: column {name!r} named twice")
        missing = [c for c in sorted(known) if c not in named
                   and c not in OPTIONAL_COLUMNS[section]]
        if missing:
            raise self._fail(f"{section}: no column {missing[0]!r}")
        return tuple(named)

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


Row = tuple[Any, ...]


def _order(section: str, columns: tuple[str, ...]) -> Callable[[Row], Row] | None:
    """How a row of `columns` becomes one in the export's order (None: it already is)."""
    from studytool.exchange.document import CARD_COLUMNS, REVIEW_COLUMNS

    standard = CARD_COLUMNS if section == "cards" else REVIEW_COLUMNS
    if columns == standard:
        return None
    where = [columns.index(c) if c in columns else None for c in standard]
    return lambda row: tuple(None if i is None else row[i] for i in where)


def row_error(exc: ValidationError, where: str, columns: tuple[str, ...]) -> str:
    """`first_error` with a row's positions named by their columns."""
    errors = exc.errors(include_url=False)
    loc = errors[0]["loc"]
    if loc and isinstance(loc[0], int) and loc[0] < len(columns):
        where = f"{where}.{columns[loc[0]]}"
        loc = loc[1:]
    inner = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return one_line(f"{where}{inner}: {message(errors[0])}{more}")
