"""One JSON document read in bounded memory: its top-level object member by member, and the
items of an array member one at a time, from a sliding text buffer over the file.

Every value (a key, an array item, a scalar member) is decoded by the standard library's own
parser (`json.JSONDecoder.raw_decode`); this module only steps over the punctuation between
values (`{ "key" : [ item , item ] }`). The standard parser decoding items from a buffer was
the fastest way measured here to stream a 412 MB export: about twice as fast per review as
ijson's C backend, whose every pass tokenizes the whole file (and the export's five arrays
would each need one).

Memory: the buffer holds the unread part of the current chunk and at most one value;
a value longer than `max_value` characters is refused.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

CHUNK = 1 << 20  # bytes read at a time
MAX_VALUE = 64 << 20  # characters: the biggest item an export holds is a run's output (5 MB)

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+\-]*")
_SEPARATOR = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")


class JsonError(ValueError):
    """The text is not valid JSON (or not one this reader takes): the message says why."""


class JsonSyntaxError(JsonError):
    """Not valid JSON, at a line and column of the whole text (1-based)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message}: line {line} column {column}")
        self.message, self.line, self.column = message, line, column


class NotUtf8(JsonError):
    def __init__(self, byte: int) -> None:
        super().__init__(f"not UTF-8 text (byte {byte})")
        self.byte = byte


class TooDeep(JsonError):
    pass


class NotOneValue(Exception):
    """Raised by an `items(check_line=...)` check: the text is not one JSON value."""


class JsonStream:
    """Pull values from a binary file: `members()` walks the top-level object; the caller
    reads each member's value with `value()` or, for an array, `items()`."""

    def __init__(self, binary: IO[bytes], chunk: int = CHUNK, max_value: int = MAX_VALUE,
                 on_read: Callable[[int], None] | None = None) -> None:
        self._file = binary
        self._chunk = chunk
        self._max_value = max_value
        self._on_read = on_read
        self._text = codecs.getincrementaldecoder("utf-8")()
        self._decode = json.JSONDecoder(parse_constant=_no_constant).raw_decode
        self._buf = ""
        self._pos = 0
        self._eof = False
        self.bytes_read = 0
        self._lines_dropped = 0  # newlines in the text already dropped from the buffer
        self._column_base = 0  # characters of the buffer's first line dropped with it

    # -- the document's shape ------------------------------------------------------------
    def next_char(self) -> str:
        """The next character after any whitespace ("" at the end of the file)."""
        return self._peek()

    def members(self) -> Iterator[str]:
        """Each key of the top-level object, in file order; after each, the caller reads the
        value. Ends after the closing brace, checking that only whitespace follows."""
        self._expect("{", "Expecting '{'")
        if self._peek() == "}":
            self._pos += 1
        else:
            while True:
                if self._peek() != '"':
                    self._fail("Expecting property name enclosed in double quotes")
                key = self.value()
                self._expect(":", "Expecting ':' delimiter")
                yield key
                char = self._peek()
                if char not in ("}", ","):
                    self._fail("Expecting ',' delimiter")
                self._pos += 1
                if char == "}":
                    break
        if self._peek() != "":
            self._fail("Extra data")

    def items(self, check: Callable[[Any], Any] | None = None,
              check_line: Callable[[str], Any] | None = None) -> Iterator[Any]:
        """The items of the array that starts here, one at a time, each through `check`.

        With `check_line`: while the items come one to a line, as the export writes them,
        each item's text goes to `check_line` instead, to be parsed and checked in one step
        (a third faster per review than decoding, then checking, the Python objects). It
        raises NotOneValue when the text is not exactly one JSON value; from that item on,
        the items are decoded one by one here.
        """
        check = check or _same
        self._expect("[", "Expecting '['")
        if self._peek() == "]":
            self._pos += 1
            return
        decode, separator = self._decode, _SEPARATOR.match
        while True:
            if check_line is not None:
                got = self._line_item(check_line)
                if got is not None:
                    yield got[0]
                    if got[1]:
                        return
                    continue
                check_line = None
            # Decode and step over the separator in two calls while the buffer holds both;
            # anything else (an item cut by the buffer's end, an error) the general path.
            buf = self._buf
            try:
                value, end = decode(buf, self._pos)
                found = separator(buf, end)
            except (ValueError, RecursionError):  # the general path says what is wrong
                found = None
            if found is None or found.end() >= len(buf):
                value = self.value()
                char = self._peek()
                if char not in ("]", ","):
                    self._fail("Expecting ',' delimiter")
                self._pos += 1
                yield check(value)
                if char == "]":
                    return
                self._peek()
                continue
            self._pos = found.end()
            yield check(value)
            if found.group(1) == "]":
                return

    def _line_item(self, check_line: Callable[[str], Any]) -> tuple[Any, bool] | None:
        """(the checked item, whether it was the array's last) for an item that fills its
        line (`{...},`, or `{...}]` closing the array); None, reading nothing, otherwise."""
        newline = self._buf.find("\n", self._pos)
        if newline < 0:
            self._more()  # one more chunk: a longer line is not worth the fast path
            newline = self._buf.find("\n", self._pos)
            if newline < 0:
                return None
        start = self._pos
        line = self._buf[start:newline].rstrip()
        if line.endswith("},"):
            text, after, last = line[:-1], newline + 1, False
        else:
            close = line.rfind("}]")
            if close < 0 or line[close + 2:].strip() not in ("", ",", "}"):
                return None
            text, after, last = line[:close + 1], start + close + 2, True
        try:
            value = check_line(text)
        except NotOneValue:
            return None
        self._pos = after
        return value, last

    def value(self) -> Any:
        """Decode the one JSON value that starts here (after whitespace)."""
        self._peek()
        while True:
            try:
                value, end = self._decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._more():  # perhaps only cut off by the end of the buffer
                    continue
                self._fail(exc.msg, exc.pos)
            except RecursionError as exc:
                raise TooDeep("JSON nested too deeply") from exc
            except ValueError as exc:  # NaN or Infinity; an integer of thousands of digits
                raise JsonError(" ".join(str(exc).split())[:200]) from exc
            # A number that the buffer's end cuts may go on in the next chunk ("-1." decodes
            # as -1 and "1e" as 1, so any number followed only by number characters).
            if (type(value) in (int, float) and _NUMBER_TAIL.fullmatch(self._buf, end)
                    and self._more()):
                continue
            self._pos = end
            return value

    # -- the buffer ----------------------------------------------------------------------
    def _peek(self) -> str:
        while True:
            self._pos = _WHITESPACE.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return ""

    def _expect(self, char: str, message: str) -> None:
        if self._peek() != char:
            self._fail(message)
        self._pos += 1

    def _more(self) -> bool:
        """Read more text after what is buffered; False at the end of the file. Reads grow
        with the value being decoded, so re-decoding a long value stays linear."""
        if self._eof:
            return False
        pending = len(self._buf) - self._pos
        if pending > self._max_value:
            raise JsonError(f"a single value longer than {self._max_value:,} characters")
        dropped = self._buf[:self._pos]
        newlines = dropped.count("\n")
        if newlines:
            self._lines_dropped += newlines
            self._column_base = len(dropped) - dropped.rfind("\n") - 1
        else:
            self._column_base += len(dropped)
        raw = self._file.read(max(self._chunk, pending))
        start = self.bytes_read
        self.bytes_read += len(raw)
        try:
            text = self._text.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            raise NotUtf8(start + max(0, exc.start)) from exc
        self._buf = self._buf[self._pos:] + text
        self._pos = 0
        self._eof = not raw
        if self._on_read is not None:
            self._on_read(self.bytes_read)
        return True

    def _fail(self, message: str, pos: int | None = None) -> None:
        where = self._pos if pos is None else pos
        line = self._buf.count("\n", 0, where)
        if line:
            column = where - self._buf.rfind("\n", 0, where)
        else:
            column = self._column_base + where + 1
        raise JsonSyntaxError(message, self._lines_dropped + line + 1, column)


def _same(value: Any) -> Any:
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")
