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
import operator
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple

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
BATCH = 256  # lines taken and checked at a time: their objects stay in the CPU caches
_BLOCK = 1 << 20  # bytes read at a time
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


class Batch(NamedTuple):
    """Consecutive items of a section, checked: `start` is the section's index of the first,
    `line` the file's line number of the first (0 where the file is not read by lines)."""

    start: int
    line: int
    values: list[Any]
    lines: list[bytes]  # their lines, without the line breaks (empty: not read by lines)


class LineReader:
    """The lines of a version 2 or 3 export after `first` (its header line, already
    read). The file is read a block at a time and cut into lines, which wait in `_lines`
    until taken; a section's lines are taken and checked a batch at a time."""

    def __init__(self, binary: IO[bytes], first: bytes, max_line: int = MAX_LINE,
                 on_read: Callable[[int], None] | None = None) -> None:
        self._file = binary
        self._max = max_line
        self._on_read = on_read or (lambda _count: None)
        self._first = first
        self.line_no = 1
        self.bytes_read = len(first)
        self._lines: list[bytes] = []  # read ahead, without their breaks
        self._at = 0  # the next of them to take
        self._rest = b""  # the start of a line whose break is not read yet
        self._ended = False  # the file is read to its end
        self._unbroken = False  # ... and its last line, the last in _lines, has no break
        self.counts: dict[str, int] = {}  # items read, by section
        self.columns: dict[str, tuple[str, ...]] = {}  # version 3: each section's, as named

    def header(self) -> dict[str, Any]:
        return self._check(json_validator("header"), self._first, "header")

    def items(self, section: str) -> Iterator[tuple[int, int, Any]]:
        """The section's items (after its own line), each checked, with its index and line
        number; ends at the next section's line or the end line, which is left for `section`
        or `end`."""
        self._expect(section)

        def refused(exc: ValidationError, _line: bytes, where: str, line_no: int) -> Any:
            raise self._fail(first_error(exc, where), line_no) from exc

        for batch in self._batches(section, json_validator(section), refused, None):
            for offset, item in enumerate(batch.values):
                yield batch.start + offset, batch.line + offset, item

    def rows(self, section: str) -> Iterator[Batch]:
        """Version 3: the section's rows (after its line naming their columns), checked, a
        batch at a time; in the export's column order (`document`), an optional column the
        file left out as None. Ends as `items` does. The section's line is read here, before
        the first batch is asked for (`columns` then holds its columns)."""
        columns = self.columns[section] = self._expect(section, rows=True)
        check, exact = row_validators(section, columns)

        def refused(exc: ValidationError, line: bytes, where: str, line_no: int) -> Any:
            return self._checked(exact, exc, line, where, columns, line_no)

        return self._batches(section, check, refused, _order(section, columns))

    def _batches(self, section: str, check: Callable[[bytes], Any],
                 refused: Callable[[ValidationError, bytes, str, int], Any],
                 order: Callable[[Any], Any] | None) -> Iterator[Batch]:
        """The section's lines up to the next section's line or the end line (left
        waiting), each through `check` (`refused` has the last word on a line it refuses),
        BATCH at a time."""
        # The hot loop (a million lines): whole batches through the checks, in C loops.
        stops, index = (_SECTION_START, _END_START), 0
        starts = operator.methodcaller("startswith", stops)
        while self._at < len(self._lines) or self._fill():
            lines = self._lines[self._at:self._at + BATCH]
            stop = None
            if any(map(starts, lines)):
                stop = next(i for i, line in enumerate(lines) if line.startswith(stops))
                lines = lines[:stop]
            first = self.line_no + 1
            long = self._take(lines)
            try:
                values = list(map(check, lines))
            except ValidationError:
                values = self._one_by_one(check, refused, lines, section, index, first)
            if long is not None:
                raise self._fail(f"longer than {self._max:,} bytes", first + len(lines))
            if lines:
                yield Batch(index, first, values if order is None else list(map(order, values)),
                            lines)
            index += len(lines)
            self._on_read(self.bytes_read)
            if stop is not None:
                break
        self.counts[section] = index

    def _one_by_one(self, check: Callable[[bytes], Any],
                    refused: Callable[[ValidationError, bytes, str, int], Any],
                    lines: list[bytes], section: str, index: int, first: int) -> list[Any]:
        """The checks of a batch with a line `check` refused, in file order."""
        values = []
        for offset, line in enumerate(lines):
            try:
                values.append(check(line))
            except ValidationError as exc:
                values.append(refused(exc, line, f"{section}[{index + offset}]",
                                      first + offset))
        return values

    def _checked(self, exact: Callable[[bytes], Any] | None, exc: ValidationError,
                 line: bytes, where: str, columns: tuple[str, ...], line_no: int) -> Any:
        """A row the fast check refused: the exact one's verdict."""
        try:
            if exact is None:
                raise exc
            return exact(line)
        except ValidationError as error:
            raise self._fail(row_error(error, where, columns), line_no) from error

    def end(self) -> None:
        """The end line, saying as many items of each section as were read, and then
        nothing."""
        counts = self.counts
        line = self._next()
        if line is None:
            raise self._fail("the file ends before its end line (cut short?)")
        said = self._check(json_validator(END), line, "")[END]
        for key in ARRAYS:
            if said[key] != counts[key]:
                raise self._fail(f"the end line counts {said[key]:,} {key}, the file has "
                                 f"{counts[key]:,} (cut short or edited?)")
        if self._next() is not None:
            raise self._fail("something follows the end line")
        self._on_read(self.bytes_read)

    def _expect(self, section: str, rows: bool = False) -> tuple[str, ...]:
        """The section's line; for rows, the columns it names."""
        line = self._next()
        expected = (f'{{"{SECTION}":"{section}","{COLUMNS}":[...]}}' if rows
                    else f'{{"{SECTION}":"{section}"}}')
        if line is None:
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

    def _next(self) -> bytes | None:
        """The next line, taken (without its break); None at the end of the file."""
        if self._at >= len(self._lines) and not self._fill():
            return None
        line = self._lines[self._at:self._at + 1]
        if self._take(line) is not None:
            raise self._fail(f"longer than {self._max:,} bytes", self.line_no + 1)
        return line[0]

    def _take(self, lines: list[bytes]) -> int | None:
        """Take `lines`, the next ones waiting: counted, and cut before the first one longer
        than the limit (its offset is returned; None when there is none)."""
        long = None
        if lines and max(map(len, lines)) >= self._max:  # with its break, over the limit
            tail = self._unbroken and self._at + len(lines) == len(self._lines)
            long = next((i for i, line in enumerate(lines) if len(line) + (
                0 if tail and i == len(lines) - 1 else 1) > self._max), None)
            if long is not None:
                del lines[long:]
        self._at += len(lines)
        self.line_no += len(lines)
        self.bytes_read += sum(map(len, lines)) + len(lines)
        if self._unbroken and self._at == len(self._lines) and lines:
            self.bytes_read -= 1  # the file's last line had no break
        return long

    def _fill(self) -> bool:
        """Read on until lines wait again; False at the end of the file. A line's start
        waiting for its break stays bounded: past the limit, that line is refused."""
        rest, size = [self._rest] if self._rest else [], len(self._rest)
        while not self._ended:
            block = self._file.read(_BLOCK)
            cut = block.rfind(b"\n")
            if not block:
                self._ended, self._unbroken = True, bool(rest)
                self._lines, self._rest = [b"".join(rest)] if rest else [], b""
            elif cut < 0:
                rest.append(block)
                size += len(block)
                if size > self._max:
                    raise self._fail(f"longer than {self._max:,} bytes", self.line_no + 1)
                continue
            else:
                rest.append(block[:cut])
                self._lines = b"".join(rest).split(b"\n")
                self._rest = block[cut + 1:]
            self._at = 0
            return bool(self._lines)
        return False

    def _check(self, check: Callable[[bytes], Any], line: bytes, where: str) -> Any:
        try:
            return check(line)
        except ValidationError as exc:
            raise self._fail(first_error(exc, where)) from exc

    def _fail(self, message: str, line_no: int | None = None) -> LinesError:
        return LinesError(f"line {line_no or self.line_no:,}: {message}")


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
