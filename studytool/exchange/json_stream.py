"""One JSON document read in bounded memory with ijson: its top-level object member by member,
and the items of an array member one at a time.

ijson's parser (its C backend, yajl2_c, when built; ijson falls back to a slower one) turns the
bytes into events; each value is built from them by ijson's own builder, fed a batch of events
at a time without a Python step per event (`takewhile` stops at the value's own end event).

Bounds on what a hostile file can cost, since the parser builds a growing path string per
nesting level (memory quadratic in the depth) and every event of a chunk before the first is
looked at: chunks are small, a value's path longer than MAX_PATH characters is refused as too
deep between two batches, and a single value longer than MAX_VALUE bytes is refused as it is
read. Numbers are JSON's own: ints (within 64 bits, beyond that the parser refuses them) and
floats; NaN and Infinity are refused by the parser.
"""

from __future__ import annotations

import collections
import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from operator import ne
from typing import Any, Protocol

import ijson

CHUNK = 4096  # bytes read at a time: a chunk of nothing but '[' costs the parser ~45 MB
MAX_VALUE = 64 << 20  # bytes: the biggest item an export holds is a run's output (5 MB)
MAX_PATH = 1000  # characters of a value's path ("runs.item.final.x.item"): ours stay under 60
BATCH = 512  # events between two checks of the path: nesting grows by at most this in between

_BACKEND: Any = ijson.get_backend(ijson.backend)  # the fastest one ijson found
_STARTS = {"start_map": "end_map", "start_array": "end_array"}


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class JsonError(ValueError):
    """The text is not valid JSON (or not one this reader takes): the message says why."""


class JsonSyntaxError(JsonError):
    """Not valid JSON: the parser's reason, where in the document, and the text near it."""


class TooDeep(JsonError):
    pass


class JsonStream:
    """Pull values from a binary file: `members()` walks the top-level object; the caller
    reads each member's value with `value()` or, for an array, `items()`; `kind()` is the
    first event of what comes next ("start_map", "start_array", "string", "number", ...)."""

    def __init__(self, binary: Readable, chunk: int = CHUNK, max_value: int = MAX_VALUE,
                 on_read: Callable[[int], None] | None = None) -> None:
        self._file = binary
        self._max_value = max_value
        self._on_read = on_read
        self.bytes_read = 0
        self._value_start = 0  # bytes read when the value being built began
        self._where = "the top level"
        self._events = _BACKEND.parse(self, buf_size=chunk, use_float=True)
        self._peeked: tuple[str, str, Any] | None = None

    def read(self, size: int) -> bytes:
        """The parser's reads: counted, reported, and the value being built kept bounded."""
        data = self._file.read(size)
        self.bytes_read += len(data)
        if self.bytes_read - self._value_start > self._max_value + size:
            raise JsonError(f"a single value longer than {self._max_value:,} bytes")
        if self._on_read is not None:
            self._on_read(self.bytes_read)
        return data

    # -- the document's shape ------------------------------------------------------------
    def kind(self) -> str:
        with self._parsing():
            if self._peeked is None:
                self._peeked = next(self._events, ("", "", None))
        return self._peeked[1]

    def members(self) -> Iterator[str]:
        """Each key of the top-level object, in file order; after each, the caller reads the
        value. Ends after the closing brace, checking that nothing follows."""
        if self._take()[1] != "start_map":
            raise JsonError("not a JSON object")
        while True:
            self._where = "the top level"
            _prefix, event, key = self._take()
            if event == "end_map":
                break
            # a name of the file's own, so shown quoted unless it is a plain word
            self._where = key if key.isidentifier() else repr(key)[:40]
            self._value_start = self.bytes_read
            yield key
        self._where = "what follows the closing brace"
        with self._parsing():
            next(self._events, None)  # the parser checks what follows as it ends

    def value(self) -> Any:
        """The one JSON value that starts here."""
        prefix, event, value = self._take()
        if event not in _STARTS:
            return value
        built = ijson.sendable_list()
        builder = _BACKEND.items_basecoro(built, prefix)
        builder.send((prefix, event, value))
        end = (prefix, _STARTS[event], None)
        self._value_start = self.bytes_read
        for _ in self._fed(builder, end, lambda: self._where):
            pass
        builder.send(end)
        return built[0]

    def items(self, check: Callable[[Any], Any] | None = None) -> Iterator[Any]:
        """The items of the array that starts here, one at a time, each through `check`."""
        check = check or _same
        prefix, event, _value = self._take()
        if event != "start_array":
            raise JsonError("not a JSON array")
        built = ijson.sendable_list()
        builder = _BACKEND.items_basecoro(built, f"{prefix}.item" if prefix else "item")
        section, index = self._where, 0

        def where() -> str:  # the item being read
            return f"{section}[{index + len(built)}]"

        self._value_start = self.bytes_read
        for _ in self._fed(builder, (prefix, "end_array", None), where):
            if built:
                self._value_start = self.bytes_read
                for item in built:
                    yield check(item)
                    index += 1
                built.clear()

    # -- events --------------------------------------------------------------------------
    def _fed(self, builder: Any, end: tuple[str, str, None],
             where: Callable[[], str]) -> Iterator[None]:
        """Feed `builder` the events up to (and not including) `end`, a batch at a time; yields
        after each batch. On a parse error, what came before it is fed first, so `where()`
        names the item at fault."""
        assert self._peeked is None
        events = itertools.takewhile(partial(ne, end), self._events)
        drain = collections.deque[None](maxlen=0).extend
        while True:
            batch: list[tuple[str, str, Any]] = []
            try:
                batch.extend(itertools.islice(events, BATCH))
            except ijson.JSONError as exc:
                drain(map(builder.send, batch))
                raise JsonSyntaxError(_reason(exc, where())) from exc
            if not batch:
                return
            if len(batch[-1][0]) > MAX_PATH:
                raise TooDeep(f"JSON nested too deeply in {where()} (a path of over "
                              f"{MAX_PATH} characters)")
            drain(map(builder.send, batch))
            yield

    def _take(self) -> tuple[str, str, Any]:
        self.kind()
        event, self._peeked = self._peeked, None
        assert event is not None
        if not event[1]:
            raise JsonSyntaxError("parse error: premature EOF")
        return event

    @contextmanager
    def _parsing(self) -> Iterator[None]:
        """The parser's errors as JsonSyntaxError, on one line, saying where."""
        try:
            yield
        except ijson.JSONError as exc:
            raise JsonSyntaxError(_reason(exc, self._where)) from exc


# What Python's json module writes for non-finite floats, whole or cut short at the end.
_NON_FINITE = re.compile(r'(?<![\w"])(-?(?:NaN|Infinity|N|Na|I|In|Inf|Infi|Infin|Infini|Infinit))'
                         r'(?:\W|$)')


def _reason(exc: Exception, where: str) -> str:
    """yajl's message is three lines: the reason, the text near the fault, a marker."""
    text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = str(text).splitlines() or ["malformed"]
    reason = f"{lines[0].strip().rstrip('.')} in {where}"
    if len(lines) > 2:
        # What Python's json module writes for a diverged float, said plainly (yajl's marker
        # points one character into the token it stopped at).
        # The text near the fault holds the bare word, or its start when a read ended inside
        # it (no JSON token starts with N or I).
        found = _NON_FINITE.search(lines[1])
        if found is not None:
            sign = "-" if found.group(1).startswith("-") or "minus sign" in lines[0] else ""
            word = "NaN" if found.group(1).lstrip("-").startswith("N") else "Infinity"
            return f"{sign}{word} is not a number JSON allows in {where} (write null)"
    near = lines[1].strip() if len(lines) > 2 else ""
    return f"{reason}, near {near[:60]!r}" if near else reason


def _same(value: Any) -> Any:
    return value
