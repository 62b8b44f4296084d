"""Import a JSON export, any version (`document`; versions 2 and 3 read a line at a time by
`json_lines`, version 1 streamed by `json_stream`): each item is read, checked and merged
as it comes, all in ONE transaction, so nothing changes unless all of it goes in (a file
that turns out bad at its last byte changes nothing).

Merge rules (by stable ids, so importing the same file twice adds nothing):
- decks and cards missing from the database are added as they are in the file;
- a review is added unless the card already has one at the same time with the same rating;
- a card present on both sides takes the file's scheduling state when the file's last review
  is the later one (the state after the card's latest review), else it keeps its own;
- settings keys the database lacks are added (the database's own settings win);
- exercise progress keeps the most of both sides; runs missing from the database are added.

The sections come in the order the export writes them: "format" and "version" before any
data (checked before the write lock is taken), decks before cards before reviews.
Memory does not grow with the reviews: they go into the database in batches, and the
checks across all of them (the same review twice, one already there) are queries at the end
of the section. What is held grows with the cards (their ids) and the runs (their keys).
On SQLite the rows go in without a foreign-key check each (`Database.session`): their links
are checked once, as sets, before the commit (`_Import.check_links`).
"""

from __future__ import annotations

import itertools
import json
import operator
import os
import stat
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import Table, and_, delete, exists, func, insert, select, text, update
from sqlalchemy.orm import Session, aliased

from studytool.config import Settings
from studytool.errors import StudytoolError
from studytool.exchange import timefmt
from studytool.exchange.document import (
    ACCEPTS,
    CARD_COLUMNS,
    FORMAT,
    PARAMETERS_KEY,
    REVIEW_COLUMNS,
    VERSIONS,
)
from studytool.exchange.json_lines import Batch, LineReader, LinesError, Row, is_header
from studytool.exchange.json_stream import JsonError, JsonStream, JsonSyntaxError, TooDeep
from studytool.exchange.progress import ProgressCallback, Reporter
from studytool.exchange.schema import (
    ARRAYS,
    first_error,
    has_control,
    one_line,
    shown,
    to_float,
    validator,
    visible,
)
from studytool.srs.fsrs_bridge import scheduling_problem
from studytool.srs.settings_store import validate as validate_settings
from studytool.store.database import Database
from studytool.store.models import (
    CardRow,
    DeckRow,
    ExerciseProgressRow,
    ReviewLogRow,
    RunEpochRow,
    RunRow,
    SettingRow,
)
from studytool.store.scoping import learner_of

_SETTING_FIELDS = {f.name for f in fields(Settings)}
_SCHEDULING = ("state", "step", "stability", "difficulty", "due", "last_review")
_SCALARS = ("format", "version", "exported_at", "settings")
_BATCH = 5000
_BULK = 5 * _BATCH  # rows: see _BulkLoad
_CACHE_KB = 64 << 10  # SQLite's page cache during an import: see _cache
# ... and while it builds an index of more than _SORT_RUNS_FROM rows: SQLite sorts in runs
# of the cache's size, and runs of 8 MB sorted and merged a million reviews' index in half
# the time of 64 MB ones (fewer cache misses), with 100 MB less memory; 100,000 cards'
# indexes, sorted whole in the 64 MB, took a tenth less than in 8 MB runs.
_SORT_KB = 8 << 10
_SORT_RUNS_FROM = 300_000
_HEADER_BYTES = 1 << 20  # the most of the first line looked at to tell the version
# A review inserted unless the database had it before the import (`reviewed_at` leads an
# index; the tuple order is _Rows._REVIEW, then reviewed_at, card_id, rating, first new id).
_INSERT_NEW_REVIEW = (
    "INSERT INTO review_log (card_id, rating, reviewed_at, duration_ms, state_before, "
    "card_before, state_after, due_after, grade_score, suggested_rating, typed_answer, "
    "cram, learner) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
    "(SELECT 1 FROM review_log INDEXED BY ix_review_log_reviewed_at WHERE learner = ? "
    "AND reviewed_at = ? AND card_id = ? AND rating = ? AND id < ?)")
# The same lookup for the rows already inserted. INDEXED BY: without statistics SQLite may
# take the (card_id, id) index instead and scan all of a card's reviews for each row.
_DELETE_KNOWN_REVIEWS = (
    "DELETE FROM review_log WHERE learner = :learner AND id >= :first AND EXISTS (SELECT 1 "
    "FROM review_log AS old INDEXED BY ix_review_log_reviewed_at WHERE old.learner = "
    ":learner AND old.reviewed_at = review_log.reviewed_at "
    "AND old.card_id = review_log.card_id AND old.rating = review_log.rating "
    "AND old.id < :first)")
# The same review twice among the new ones, on SQLite: the times that come more than once
# first, read in the order of the index on reviewed_at (no sort of all the new rows), then
# only their rows grouped. A sort of a million rows took a tenth of the import.
_TWICE = (
    "SELECT reviewed_at, rating, card_id, min(id), max(id) FROM review_log WHERE learner = "
    ":learner AND id >= :first AND reviewed_at IN (SELECT reviewed_at FROM review_log INDEXED BY "
    "ix_review_log_reviewed_at WHERE learner = :learner AND id >= :first GROUP BY "
    "reviewed_at HAVING count(*) > 1) GROUP BY reviewed_at, rating, card_id "
    "HAVING count(*) > 1 LIMIT 1")
# How many of the import's card ids, deck ids and learner are rows of their tables.
_LINKS = (
    "SELECT (SELECT count(*) FROM cards WHERE id IN (SELECT value FROM json_each(:cards))), "
    "(SELECT count(*) FROM decks WHERE id IN (SELECT value FROM json_each(:decks))), "
    "(SELECT count(*) FROM learners WHERE name = :learner)")
# Files that are not an export, told apart by their first bytes (none of them is UTF-8).
_MAGIC = ((b"PK\x03\x04", "a ZIP archive without an Anki collection in it"),
          (b"PK\x05\x06", "a ZIP archive without an Anki collection in it"),
          (b"SQLite format 3\x00", "a SQLite database"),
          (b"\x1f\x8b", "gzip-compressed (decompress it first)"))


@dataclass
class ImportSummary:
    decks_added: int = 0
    cards_added: int = 0
    cards_updated: int = 0
    reviews_added: int = 0
    reviews_already_there: int = 0
    settings_added: int = 0
    exercises_merged: int = 0
    runs_added: int = 0

    def line(self) -> str:
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in asdict(self).items())


def import_json(db: Database, path: Path, max_bytes: int | None = None,
                progress: ProgressCallback | None = None) -> ImportSummary:
    """Merge the export at `path` into `db`; raises StudytoolError (one line) and changes
    nothing when anything in the file is wrong. `max_bytes` refuses bigger files."""
    with _opened(path, max_bytes) as (handle, size):
        reporter = Reporter(progress, "import", "bytes", size)

        def on_read(count: int) -> None:
            if max_bytes is not None and count > max_bytes:
                raise StudytoolError(f"{path}: over the import limit of {max_bytes:,} bytes "
                                     "(raise it with --max-mb)")
            reporter(count)

        first = handle.readline(_HEADER_BYTES)
        if is_header(first):
            lines = LineReader(handle, first, on_read=on_read)
            try:
                return _import_lines(db, lines, path, reporter)
            except LinesError as exc:
                raise StudytoolError(f"{path}: {exc}") from exc
        stream = JsonStream(_Replay(first, handle), on_read=on_read)
        try:
            return _import(db, path, stream, reporter)
        except JsonSyntaxError as exc:
            raise StudytoolError(f"{path}: not valid JSON (truncated or malformed): "
                                 f"{exc}") from exc
        except TooDeep as exc:
            raise StudytoolError(f"{path}: {exc}") from exc
        except JsonError as exc:
            raise StudytoolError(f"{path}: not valid JSON: {exc}") from exc


class _Replay:
    """A binary file whose first bytes were already read (to tell the version): those,
    then the rest (a pipe cannot seek back)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int) -> bytes:
        if not self._head:
            return self._rest.read(size)
        data, self._head = self._head[:size], self._head[size:]
        return data


def _import_lines(db: Database, lines: LineReader, path: Path,
                  reporter: Reporter) -> ImportSummary:
    """Versions 2 and 3: the header, then each section's lines, then the end line."""
    header = lines.header()
    rows = header["version"] == 3  # cards and reviews as rows
    with db.session(foreign_keys=False) as session, _cache(session):
        job = _Import(session, path, reporter)
        job.settings(header["settings"])
        for key in ARRAYS:
            if rows and key in ("cards", "reviews"):
                getattr(job, f"read_{key}_rows")(lines.rows(key), lines)
            else:
                getattr(job, f"read_{key}")(lines.items(key))
        lines.end()
        job.check_links()
    reporter(lines.bytes_read, final=True)
    return job.summary


@contextmanager
def _opened(path: Path, max_bytes: int | None) -> Iterator[tuple[IO[bytes], int | None]]:
    """The file, open, after a look at its size and first bytes (a pipe works too)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise StudytoolError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        try:
            info = os.fstat(handle.fileno())
            head = handle.peek(16)[:16]
        except OSError as exc:
            raise StudytoolError(f"cannot read {path}: {exc.strerror or exc}") from exc
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
        if size is not None and max_bytes is not None and size > max_bytes:
            raise StudytoolError(f"{path}: {size:,} bytes is over the import limit of "
                                 f"{max_bytes:,} (raise it with --max-mb)")
        for magic, what in _MAGIC:
            if head.startswith(magic):
                raise StudytoolError(f"{path}: {what}, not a studytool export; {ACCEPTS}")
        start = head.lstrip(b" \t\n\r")[:1]
        if start != b"{" and (start or len(head) < 16):  # not a JSON object (or nothing)
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.start < len(head) - 3:  # not only a character cut by the 16 bytes
                    raise StudytoolError(f"{path}: not UTF-8 text (byte {exc.start}), so not "
                                         f"a studytool export; {ACCEPTS}") from exc
            raise StudytoolError(f"{path}: not a studytool export (no \"format\": "
                                 f"\"{FORMAT}\"); {ACCEPTS}")
        yield handle, size


def _import(db: Database, path: Path, stream: JsonStream, reporter: Reporter) -> ImportSummary:
    try:
        first = stream.kind()
    except JsonError as exc:  # not even text
        raise StudytoolError(f"{path}: {exc}, so not a studytool export; {ACCEPTS}") from exc
    if first != "start_map":
        raise StudytoolError(f"{path}: not a studytool export (no \"format\": \"{FORMAT}\"); "
                             f"{ACCEPTS}")
    members = stream.members()
    header: dict[str, Any] = {}
    data_key: str | None = None
    for key in members:  # the scalars before the first array: the header among them
        if key in ARRAYS:
            data_key = key
            break
        _unique_section(path, header, key)
        header[key] = stream.value()
    _check_header(path, header)
    with db.session(foreign_keys=False) as session, _cache(session):
        job = _Import(session, path, reporter)
        for key, value in header.items():
            job.scalar(key, value)
        if data_key is not None:
            job.array(data_key, stream)
            for key in members:
                if key in ARRAYS:
                    job.array(key, stream)
                else:
                    job.scalar(key, stream.value())
        job.finish()
        job.check_links()
    reporter(stream.bytes_read, final=True)
    return job.summary


@contextmanager
def _cache(session: Session, kb: int = _CACHE_KB) -> Iterator[None]:
    """On SQLite, a page cache of `kb` for a while, then the one it had. The import's
    transaction runs with a bigger one than the default 2 MB: a review added to a database
    with reviews of its own is looked up in their index first, and the cards' unique index
    is kept in step as they go in. Memory grows by at most this much."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    driver: Any = session.connection().connection.driver_connection
    before = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size=-{kb}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size={int(before)}")


def _unique_section(path: Path, seen: Any, key: str) -> None:
    if key in seen:
        raise StudytoolError(f"{path}: {one_line(repr(key))[:60]} appears twice")
    if key not in _SCALARS and key not in ARRAYS:
        raise StudytoolError(f"{path}: {one_line(repr(key))[:60]}: not part of a studytool "
                             "export")


def _check_header(path: Path, header: dict[str, Any]) -> None:
    where = "" if "format" in header else " before the data"
    if header.get("format") != FORMAT:
        raise StudytoolError(f"{path}: not a studytool export (no \"format\": \"{FORMAT}\""
                             f"{where}); {ACCEPTS}")
    if "version" not in header:
        raise StudytoolError(f"{path}: not a studytool export (no \"version\" before the "
                             f"data); {ACCEPTS}")
    version = header["version"]
    if version != 1 or type(version) is not int:
        laid = " laid out as version 1 (one document, not JSON lines)" if version == 2 else ""
        raise StudytoolError(f"{path}: export version {json.dumps(version)[:20]}{laid} is not "
                             f"supported (this studytool reads versions "
                             f"{' and '.join(map(str, VERSIONS))})")


class _Import:
    """One import's state inside its transaction: what the file has named so far."""

    def __init__(self, session: Session, path: Path, reporter: Reporter) -> None:
        self.session = session
        self.path = path
        self.reporter = reporter
        self.summary = ImportSummary()
        self.seen: set[str] = set()
        self.deck_ids: set[str] = set()
        self.card_ids: dict[tuple[str, str], int] = {}  # every card of the file -> its id
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.rows = _Rows(session, self.sqlite)
        self._file_reviews = 0
        # Each batch of reviews: its index and line, how many went in, and (when not all of
        # them) the offsets of those that did.
        self._inserted: list[tuple[int, int, int, array[int] | None]] = []

    def fail(self, message: str) -> StudytoolError:
        return StudytoolError(f"{self.path}: {one_line(message)}")

    def check(self, section: str, value: Any, where: str) -> Any:
        try:
            return validator(section)(value)
        except ValidationError as exc:
            raise self.fail(first_error(exc, where)) from exc

    def items(self, section: str, stream: JsonStream) -> Iterator[tuple[int, int, Any]]:
        """The section's items, each checked, with its index (and 0: no line numbers in
        one JSON document)."""
        index = -1
        try:
            for index, item in enumerate(stream.items(validator(section))):
                yield index, 0, item
        except ValidationError as exc:
            raise self.fail(first_error(exc, f"{section}[{index + 1}]")) from exc

    def count(self, section: str, n: int) -> None:
        self.reporter.counts[section] = n

    # -- sections ------------------------------------------------------------------------
    def scalar(self, key: str, value: Any) -> None:
        _unique_section(self.path, self.seen, key)
        self.seen.add(key)
        if key == "exported_at":
            self.check(key, value, key)
        elif key == "settings":
            self.settings(self.check(key, value, key))

    def array(self, key: str, stream: JsonStream) -> None:
        _unique_section(self.path, self.seen, key)
        needs = {"cards": "decks", "reviews": "cards"}.get(key)
        if needs is not None and needs not in self.seen:
            raise self.fail(f"{key} come before {needs} (an export lists decks, cards and "
                            "reviews in that order)")
        self.seen.add(key)
        if stream.kind() != "start_array":
            raise self.fail(f"{key}: Input should be a valid list")
        getattr(self, f"read_{key}")(self.items(key, stream))

    def finish(self) -> None:
        for key in (*_SCALARS, *ARRAYS):
            if key not in self.seen:
                raise self.fail(f"{key}: Field required")

    def check_links(self) -> None:
        """SQLite: the links its foreign keys would have checked row by row (the import
        writes without them, `Database.session`), checked once as sets: every card id given
        to a review, every deck a card names, and the learner named on every row, are rows
        of their tables. The reviews' card ids are all taken from `card_ids` and the cards'
        decks from `deck_ids` (unknown ones are refused as they come)."""
        if not self.sqlite:
            return
        card_ids, deck_ids = set(self.card_ids.values()), sorted(self.deck_ids)
        found = self.session.execute(text(_LINKS), {
            "cards": json.dumps(sorted(card_ids)), "decks": json.dumps(deck_ids),
            "learner": self.rows.learner}).one()
        if tuple(found) != (len(card_ids), len(deck_ids), 1):
            raise self.fail(f"nothing imported: the rows would link to missing ones (cards, "
                            f"decks, learner found: {tuple(found)} of {len(card_ids)}, "
                            f"{len(deck_ids)}, 1); this is a bug in studytool")

    def settings(self, values: dict[str, Any]) -> None:
        for key in values:
            if key != PARAMETERS_KEY and key not in _SETTING_FIELDS:
                raise self.fail(f"unknown setting {key!r}")
        known = {k: v for k, v in values.items() if k in _SETTING_FIELDS}
        try:
            validate_settings(replace(Settings(), **known))
        except StudytoolError as exc:
            raise self.fail(f"settings: {exc}") from exc
        if PARAMETERS_KEY in values:
            _check_parameters(self, values[PARAMETERS_KEY])
        existing = set(self.session.scalars(select(SettingRow.key)))
        new = [{"key": k, "value": v} for k, v in values.items() if k not in existing]
        if new:
            self.session.execute(insert(SettingRow), new)
        self.summary.settings_added = len(new)

    def read_decks(self, items: Iterator[tuple[int, int, Any]]) -> None:
        existing = set(self.session.scalars(select(DeckRow.id)))
        new = []
        for index, line, deck in items:
            if deck["id"] in self.deck_ids:
                raise self.fail(f"{_where('decks', index, line)}: deck {deck['id']} appears "
                                "twice")
            self.deck_ids.add(deck["id"])
            if deck["id"] not in existing:
                new.append(deck)
        if new:
            self.session.execute(insert(DeckRow), new)
        self.summary.decks_added = len(new)
        self.count("decks", len(self.deck_ids))

    def read_cards(self, items: Iterator[tuple[int, int, Any]]) -> None:
        self._read_cards(((i, n, (c["deck_id"], c["question_id"]), c) for i, n, c in items),
                         self.rows.card, _same)

    def read_cards_rows(self, batches: Iterator[Batch], _lines: LineReader) -> None:
        """Version 3's cards: each row made visible if its line needs it, and checked for a
        state the scheduler can use (the checks the objects' validators make)."""
        def checked() -> Iterator[tuple[int, int, tuple[str, str], Any]]:
            for batch in batches:
                for offset, (row, line) in enumerate(zip(batch.values, batch.lines,
                                                                   strict=True)):
                    if has_control(line):
                        row = shown(row)
                    index, line_no = batch.start + offset, batch.line + offset
                    problem = scheduling_problem(row[11], row[12], row[13], row[14])
                    if problem is not None:
                        raise self.fail(f"{_where('cards', index, line_no)}: cannot be "
                                        f"scheduled: {problem}")
                    yield (index, line_no, (row[0], row[1]),
                           row if self.sqlite else self.rows.as_card(row))

        if self.sqlite:
            self._read_cards(checked(), self.rows.card_row, self.rows.as_card)
        else:
            self._read_cards(checked(), self.rows.card, _same)

    def _read_cards(self, items: Iterator[tuple[int, int, tuple[str, str], Any]],
                    row_of: Callable[[Any], Any], as_dict: Callable[[Any], Any]) -> None:
        """Cards as (index, line number, key, card): `row_of(card)` is its new row,
        `as_dict(card)` the checked object."""
        existing = self._card_map()
        bulk = _BulkLoad(self.session, CardRow, len(existing), self.sqlite)
        new: list[Any] = []
        for index, line, key, card in items:
            if key in self.card_ids:
                raise self.fail(f"{_where('cards', index, line)}: card {key[0]}/{key[1]} "
                                "appears twice")
            if key[0] not in self.deck_ids:
                raise self.fail(f"{_where('cards', index, line)}: card {key[0]}/{key[1]} "
                                f"names unknown deck {key[0]!r}")
            self.card_ids[key] = 0  # its id comes once it is stored
            if key not in existing:
                new.append(row_of(card))
                if len(new) == 1000:
                    self._add_cards(new)
                    bulk.added(self.summary.cards_added)
            else:
                self._maybe_update(as_dict(card), *existing[key])
            if index % 1000 == 999:
                self.count("cards", index + 1)
        self._add_cards(new)
        bulk.finish()
        self.count("cards", len(self.card_ids))
        for deck, question, card_id in self._cards_of_decks(CardRow.id):
            if (deck, question) in self.card_ids:
                self.card_ids[(deck, question)] = card_id

    def _card_map(self) -> dict[tuple[str, str], tuple[int, datetime | None]]:
        """(deck id, question id) -> (id, last review) of the database's cards in the file's
        decks (all of them are known by now)."""
        return {(deck, question): (card_id, last) for deck, question, card_id, last
                in self._cards_of_decks(CardRow.id, CardRow.last_review)}

    def _cards_of_decks(self, *columns: Any) -> Iterator[Any]:
        """(deck id, question id, *columns) of the database's cards in the file's decks (the
        ids alone once the cards are in: a time column costs a parse per row)."""
        query = select(CardRow.deck_id, CardRow.question_id, *columns)
        decks = sorted(self.deck_ids)
        for start in range(0, len(decks), 500):
            yield from self.session.execute(
                query.where(CardRow.deck_id.in_(decks[start:start + 500])))

    def _add_cards(self, new: list[Any]) -> None:
        self.summary.cards_added += len(new)
        self.rows.insert(CardRow, new)

    def _maybe_update(self, card: dict[str, Any], card_id: int, mine: datetime | None) -> None:
        theirs = _at(card["last_review"])
        if theirs is None or (mine is not None and mine >= theirs):
            return  # never reviewed in the file, or the database's review is the latest
        values = {k: card[k] for k in _SCHEDULING}
        values["due"], values["last_review"] = _at(card["due"]), theirs
        if "leech" in card:  # the newer review's count of lapses
            values["leech"] = card["leech"]
        self.session.execute(update(CardRow).where(CardRow.id == card_id).values(values))
        self.summary.cards_updated += 1

    def read_reviews(self, items: Iterator[tuple[int, int, Any]]) -> None:
        card_ids, row = self.card_ids, self.rows.review

        def rows_of(batch: Batch) -> list[Any]:
            return [None if (i := card_ids.get((r["deck_id"], r["question_id"]))) is None
                    else row(i, r) for r in batch.values]

        self._read_reviews(_batched(items), rows_of,
                           lambda r: (r["reviewed_at"], r["deck_id"], r["question_id"]))

    def read_reviews_rows(self, batches: Iterator[Batch], lines: LineReader) -> None:
        """Version 3's reviews: on SQLite the row's values as they are, its `card_before`
        the text of the line when that is its last column (`_Rows.review_row_of`)."""
        def what(row: Row) -> tuple[str, str, str]:
            return row[2], row[0], row[1]

        if self.sqlite:
            self.rows.before_last = lines.columns["reviews"][-1] == "card_before"
            row_of = self.rows.review_row_of(self.card_ids)

            def rows_of(batch: Batch) -> list[Any]:
                return list(map(row_of, batch.values, batch.lines))
        else:
            card_ids, row, as_review = self.card_ids, self.rows.review, self.rows.as_review

            def rows_of(batch: Batch) -> list[Any]:
                return [None if (i := card_ids.get((r[0], r[1]))) is None
                        else row(i, as_review(r)) for r in batch.values]

        self._read_reviews(batches, rows_of, what)

    def _read_reviews(self, batches: Iterator[Batch], rows_of: Callable[[Batch], list[Any]],
                      what: Callable[[Any], tuple[str, str, str]]) -> None:
        """Reviews a batch at a time: `rows_of(batch)` are their rows, None for one that
        names a card the file does not have; `what(review)` its time and card."""
        # New rows get ids from first_new on. On SQLite, while the database's own reviews
        # keep their indexes, each row is looked up there first and inserted only if new
        # (restoring a backup over itself inserts nothing). Past that (a big load without
        # indexes, or PostgreSQL) every review goes in and those the database already had
        # are taken out again at the end. Either way, the same review twice in the file is
        # then found among the new rows.
        first_new = (self.session.scalar(select(func.max(ReviewLogRow.id))) or 0) + 1
        bulk = _BulkLoad(self.session, ReviewLogRow, first_new - 1, self.sqlite)
        probe = self.sqlite and first_new > 1
        inserted = 0
        for batch in batches:
            rows = rows_of(batch)
            if None in rows:
                offset = rows.index(None)
                at, deck, question = what(batch.values[offset])
                where = _where("reviews", batch.start + offset, batch.line and batch.line + offset)
                raise self.fail(f"{where}: a review at {at} names unknown card "
                                f"{deck}/{question}")
            size = len(rows)  # the inserts take the rows out of the list
            inserted += self._add_reviews(batch, rows, first_new if probe else None)
            self.count("reviews", batch.start + size)
            bulk.added(inserted)
            probe = probe and not bulk.dropped
        bulk.finish()
        self._refuse_twice(first_new)
        there = 0 if probe or first_new == 1 else self._drop_known(first_new)
        total = self._file_reviews
        self.summary.reviews_added = inserted - there
        self.summary.reviews_already_there = total - inserted + there
        self.count("reviews", total)

    def _add_reviews(self, batch: Batch, rows: list[Any], first_new: int | None) -> int:
        """Insert the batch's rows (only the reviews not already there, with `first_new`);
        returns how many went in. Which of them went in is kept, for `_place`."""
        self._file_reviews += len(rows)
        if first_new is None:
            count, offsets = len(rows), None
            self.rows.insert(ReviewLogRow, rows)
        else:
            count, offsets = self.rows.insert_new_reviews(rows, first_new)
        last = self._inserted[-1] if self._inserted else None
        if (offsets is None and last is not None and last[3] is None  # whole batches: one run
                and last[0] + last[2] == batch.start
                and (last[1] and last[1] + last[2]) == batch.line):
            self._inserted[-1] = (last[0], last[1], last[2] + count, None)
        else:
            self._inserted.append((batch.start, batch.line, count, offsets))
        return count

    def _place(self, review_id: int, first_new: int) -> str:
        """Where in the file the new review `review_id` was: the new rows' ids follow the
        file's order, so its rank among them, through the batches' counts."""
        rank = self.session.scalar(select(func.count()).select_from(ReviewLogRow).where(
            ReviewLogRow.id >= first_new, ReviewLogRow.id < review_id)) or 0
        for index, line, count, offsets in self._inserted:
            if rank < count:
                offset = rank if offsets is None else offsets[rank]
                return _where("reviews", index + offset, line and line + offset)
            rank -= count
        raise AssertionError(f"review {review_id} is not one of this import's")

    def _refuse_twice(self, first_new: int) -> None:
        if self.sqlite:
            twice = self.session.execute(text(_TWICE), {"first": first_new,
                                                        "learner": self.rows.learner}).first()
        else:
            twice = self.session.execute(
                select(ReviewLogRow.reviewed_at, ReviewLogRow.rating, ReviewLogRow.card_id,
                       func.min(ReviewLogRow.id), func.max(ReviewLogRow.id))
                .where(ReviewLogRow.id >= first_new)
                .group_by(ReviewLogRow.reviewed_at, ReviewLogRow.rating, ReviewLogRow.card_id)
                .having(func.count() > 1).limit(1)).first()
        if twice is not None:
            at, rating, card_id, first_id, last_id = twice
            at = timefmt.parse(f"{at}+00:00") if isinstance(at, str) else at  # SQLite's text
            deck, question = next(k for k, v in self.card_ids.items() if v == card_id)
            raise self.fail(f"{self._place(last_id, first_new)}: review {deck}/{question} at "
                            f"{timefmt.iso(at)} rated {rating} appears twice (first at "
                            f"{self._place(first_id, first_new)})")

    def _drop_known(self, first_new: int) -> int:
        if first_new == 1:
            return 0  # the database had no reviews
        if self.sqlite:
            result = self.session.execute(text(_DELETE_KNOWN_REVIEWS),
                                          {"first": first_new, "learner": self.rows.learner})
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
        old = aliased(ReviewLogRow)
        known = exists().where(old.id < first_new, old.card_id == ReviewLogRow.card_id,
                               old.reviewed_at == ReviewLogRow.reviewed_at,
                               old.rating == ReviewLogRow.rating)
        result = self.session.execute(delete(ReviewLogRow).where(
            and_(ReviewLogRow.id >= first_new, known)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def read_exercises(self, items: Iterator[tuple[int, int, Any]]) -> None:
        table = ExerciseProgressRow  # the class, so the learner's criteria apply (scoping)
        existing = {row.name: row for row in self.session.scalars(select(table))}
        names: set[str] = set()
        for index, line, ex in items:
            if ex["name"] in names:
                raise self.fail(f"{_where('exercises', index, line)}: exercise {ex['name']} "
                                "appears twice")
            names.add(ex["name"])
            values = {k: ex[k] for k in ("done", "attempts", "hints_shown", "last_passed")}
            values["last_verified_at"] = _at(ex["last_verified_at"])
            values["done_at"] = _at(ex["done_at"])
            row = existing.get(ex["name"])
            if row is None:
                self.session.execute(insert(table).values(name=ex["name"], **values))
            else:
                self.session.execute(update(table).where(table.name == ex["name"])
                                     .values(_most_of(row, values)))
            self.summary.exercises_merged += 1
        self.count("exercises", len(names))

    def read_runs(self, items: Iterator[tuple[int, int, Any]]) -> None:
        existing = {(r.answer, _aware(r.started_at), _aware(r.finished_at), r.status)
                    for r in self.session.execute(select(RunRow.answer, RunRow.started_at,
                                                         RunRow.finished_at, RunRow.status))}
        keys: set[tuple[Any, ...]] = set()
        for index, line, run in items:
            key = (run["answer"], _at(run["started_at"]), _at(run["finished_at"]),
                   run["status"])
            if key in keys:
                raise self.fail(f"{_where('runs', index, line)}: run "
                                f"{'/'.join(str(k) for k in key)} appears twice")
            keys.add(key)
            if key not in existing:
                self._add_run(run)  # in file order: the next export lists them the same way
                self.summary.runs_added += 1
            self.count("runs", len(keys))

    def _add_run(self, run: dict[str, Any]) -> None:
        values = {k: run[k] for k in ("answer", "status", "device", "params", "final",
                                      "checks", "message", "torch_version", "output",
                                      "stderr_tail")}
        values["started_at"], values["finished_at"] = _at(run["started_at"]), _at(
            run["finished_at"])
        result = self.session.execute(insert(RunRow).values(
            seconds=to_float(run["seconds"]), **values))
        run_id = result.inserted_primary_key[0]  # type: ignore[attr-defined]
        epochs = [{"run_id": run_id, "epoch": e["epoch"],
                   "train_loss": to_float(e["train_loss"]),
                   "valid_loss": to_float(e["valid_loss"]), "accuracy": to_float(e["accuracy"]),
                   "seconds": to_float(e["seconds"])} for e in run["epochs"]]
        if epochs:
            self.session.execute(insert(RunEpochRow), epochs)


class _BulkLoad:
    """A big load into one table on SQLite: once the new rows pass `_BULK` (or half the rows
    already there, if more), the table's indexes are dropped and built again at the end, in
    the same transaction (a failure rolls them back as they were). Keeping indexes in step
    row by row cost several times more than building them once; a small import into a
    table with rows never gets here. A table with no rows at all (anyone's) loses them
    before the first row, as building them at the end costs no more than keeping them. The
    unique constraints stay, and PostgreSQL keeps its indexes (dropping one there would lock
    out every reader)."""

    def __init__(self, session: Session, model: Any, existing: int, sqlite: bool) -> None:
        self.session = session
        self.indexes = list(_table(model).indexes)
        self.after = max(_BULK, existing // 2) if sqlite else None
        self.dropped = False
        self.existing = self.rows = existing  # about how many rows the indexes will hold
        if sqlite and not session.execute(text(  # every learner's rows: the indexes hold all
                f"SELECT EXISTS (SELECT 1 FROM {_table(model).name})")).scalar():
            self.added(self.after or 0)

    def added(self, new_rows: int) -> None:
        self.rows = self.existing + new_rows
        if self.after is not None and not self.dropped and new_rows >= self.after:
            for index in self.indexes:
                index.drop(self.session.connection())
            self.dropped = True

    def finish(self) -> None:
        if self.dropped:
            with _cache(self.session, _SORT_KB if self.rows > _SORT_RUNS_FROM else _CACHE_KB):
                for index in self.indexes:
                    index.create(self.session.connection())
            self.dropped = False


class _Rows:
    """How rows reach the cards and review_log tables, in batches in the session's
    transaction. On SQLite: tuples of the values as the store keeps them (times as its UTC
    text, JSON as text, flags as 0/1) for the driver's executemany on the session's own
    connection; SQLAlchemy's per-row parameter processing cost more than the inserts
    themselves at a million rows. Elsewhere: dicts of Python values for a Core executemany."""

    _REVIEW = ("card_id", "rating", "reviewed_at", "duration_ms", "state_before", "card_before",
               "state_after", "due_after", "grade_score", "suggested_rating",
               "typed_answer", "cram", "learner")  # the order `review` writes a tuple in

    def __init__(self, session: Session, sqlite: bool) -> None:
        self.session, self.sqlite = session, sqlite
        self.time: Callable[[str], Any] = timefmt.sqlite_from_iso if sqlite else timefmt.parse
        self.json: Callable[[Any], Any] = json.dumps if sqlite else _same
        self.flag: Callable[[bool], Any] = int if sqlite else _same
        self.sql: dict[str, str] = {}
        # The raw inserts skip the column defaults: every row names its learner itself.
        self.learner = learner_of(session)
        self.pick_card = operator.itemgetter(*self._columns(_table(CardRow)))
        assert self._columns(_table(CardRow)) == (*CARD_COLUMNS, "learner")  # card_row's order
        assert self._columns(_table(ReviewLogRow)) == self._REVIEW
        self.before_last = True  # version 3: card_before is the last column of the file's rows

    def _columns(self, table: Table) -> tuple[str, ...]:
        names = (*(c.name for c in table.columns if not c.primary_key and c.name != "learner"),
                 "learner")
        self.sql[table.name] = (f"INSERT INTO {table.name} ({', '.join(names)}) "
                                f"VALUES ({', '.join('?' for _ in names)})")
        return names

    def strings(self, value: list[str]) -> Any:
        return value if not self.sqlite else json.dumps(value) if value else "[]"

    def card(self, card: dict[str, Any]) -> Any:
        """The row of a new card (the checked item, changed in place: not used after)."""
        row = card
        for key in ("due", "last_review", "buried_until"):
            if card[key] is not None:
                row[key] = self.time(card[key])
        row["answers"], row["tags"] = self.strings(card["answers"]), self.strings(
            card["tags"])
        row["suspended"], row["archived"] = self.flag(card["suspended"]), self.flag(
            card["archived"])
        row["leech"] = self.flag(card.get("leech", False))  # optional (older exports)
        row["learner"] = self.learner
        return self.pick_card(row) if self.sqlite else row

    def review(self, card_id: int, review: dict[str, Any]) -> Any:
        # The hot loop (a million rows). card_before keeps the file's text for its times,
        # as the service writes it (`snapshot`).
        if self.sqlite:
            time = self.time
            return (card_id, review["rating"], time(review["reviewed_at"]),
                    review["duration_ms"], review["state_before"],
                    before_json(review["card_before"]), review["state_after"],
                    time(review["due_after"]), review.get("grade_score"),
                    review.get("suggested_rating"), review.get("typed_answer"),
                    int(review.get("cram", False)), self.learner)
        return {"card_id": card_id, "rating": review["rating"],
                "reviewed_at": timefmt.parse(review["reviewed_at"]),
                "duration_ms": review["duration_ms"], "state_before": review["state_before"],
                "card_before": review["card_before"], "state_after": review["state_after"],
                "due_after": timefmt.parse(review["due_after"]),
                "grade_score": review.get("grade_score"),
                "suggested_rating": review.get("suggested_rating"),
                "typed_answer": review.get("typed_answer"),
                "cram": review.get("cram", False)}

    # -- version 3's rows (`document`'s column order; times in the export's one form) ------
    def card_row(self, row: Row) -> Row:
        """SQLite: a new card's row from version 3's (already visible and checked)."""
        answers, tags = row[6], row[7]
        due, last, buried = row[15], row[16], row[18]
        return (*row[:6], json.dumps(answers) if answers else "[]",
                json.dumps(tags) if tags else "[]", *row[8:15], f"{due[:10]} {due[11:26]}",
                None if last is None else f"{last[:10]} {last[11:26]}", row[17],
                None if buried is None else f"{buried[:10]} {buried[11:26]}", row[19],
                bool(row[20]), self.learner)  # leech: a file may leave it out

    def as_card(self, row: Row) -> dict[str, Any]:
        card = dict(zip(CARD_COLUMNS, row, strict=True))
        card["leech"] = bool(card["leech"])
        return card

    def review_row_of(self, card_ids: dict[tuple[str, str], int]
                      ) -> Callable[[Row, bytes], Row | None]:
        """SQLite: how a version 3 review row and its line become the stored row (None: an
        unknown card). The row's `card_before` is stored as the line's own text of it when
        it is the last column: the last braces on the line, as it holds no other (the checks
        allow only known keys, and digits and ISO punctuation in its times)."""
        ids: dict[str, dict[str, int]] = {}  # deck -> question -> id: no key tuple per row
        for (deck, question), card_id in card_ids.items():
            ids.setdefault(deck, {})[question] = card_id
        no_deck: dict[str, int] = {}
        learner, before_last = self.learner, self.before_last

        def row_of(row: Row, line: bytes) -> Row | None:  # the hot loop (a million rows)
            card_id = ids.get(row[0], no_deck).get(row[1])
            if card_id is None:
                return None
            at, due, typed = row[2], row[7], row[10]
            before = (line[line.rindex(b"{"):line.rindex(b"}") + 1].decode() if before_last
                      else before_json(row[12]))
            # cram (row[11]) is a bool, or None where the file leaves that optional column out.
            return (card_id, row[3], f"{at[:10]} {at[11:26]}", row[4], row[5], before, row[6],
                    f"{due[:10]} {due[11:26]}", row[8], row[9],
                    typed if typed is None else visible(typed), 1 if row[11] else 0, learner)

        return row_of

    def as_review(self, row: Row) -> dict[str, Any]:
        review = dict(zip(REVIEW_COLUMNS, row, strict=True))
        review["cram"] = bool(review["cram"])  # an optional column: absent is a scheduled one
        if review["typed_answer"] is not None:
            review["typed_answer"] = visible(review["typed_answer"])
        return review

    def insert_new_reviews(self, rows: list[Any], first_new: int) -> tuple[int, array[int] | None]:
        """SQLite: the batch's reviews that the database did not have before this import
        (rows with ids below `first_new`); returns how many were inserted and, when not all
        of them, the offsets in the batch of those that were."""
        if not rows:
            return 0, None
        driver: Any = self.session.connection().connection.driver_connection
        last = driver.execute("SELECT max(id) FROM review_log").fetchone()[0] or 0
        count = int(driver.executemany(_INSERT_NEW_REVIEW, [
            (*row, row[-1], row[2], row[0], row[1], first_new) for row in rows]).rowcount)
        offsets = None
        if count < len(rows):  # the rows that went in, in order: a subsequence of the batch
            stored = driver.execute("SELECT reviewed_at, card_id, rating FROM review_log "
                                    "WHERE id > ? ORDER BY id", (last,)).fetchall()
            offsets, taken = array("H"), 0
            for offset, row in enumerate(rows):
                if taken < len(stored) and stored[taken] == (row[2], row[0], row[1]):
                    offsets.append(offset)
                    taken += 1
        rows.clear()
        return count, offsets

    def insert(self, model: Any, rows: list[Any]) -> None:
        if rows and self.sqlite:
            driver: Any = self.session.connection().connection.driver_connection
            driver.executemany(self.sql[model.__tablename__], rows)
        elif rows:
            self.session.execute(insert(_table(model)), rows)
        rows.clear()


def before_json(before: dict[str, Any]) -> str:
    """`json.dumps(before)` for a checked `card_before` (its keys in the schema's order, its
    times of digits and ISO punctuation only), written out: this runs a million times, and
    the generic encoder took most of a row's conversion."""
    text = (f'{{"state": {before["state"]}, "step": {_number(before["step"])}, '
            f'"stability": {_number(before["stability"])}, '
            f'"difficulty": {_number(before["difficulty"])}, "due": "{before["due"]}", '
            f'"last_review": {_text(before["last_review"])}')
    if "buried_until" in before:
        text += f', "buried_until": {_text(before["buried_until"])}'
    for flag in ("leech", "unsuspend"):  # optional: exports older than leeches have neither
        if flag in before:
            text += f', "{flag}": {"true" if before[flag] else "false"}'
    return text + "}"


def _number(value: float | None) -> str:
    return "null" if value is None else repr(value)


def _text(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


def _same(value: Any) -> Any:
    return value


def _where(section: str, index: int, line: int) -> str:
    """An item's place for a message: its line when the file has lines (0: it has not)."""
    return f"line {line:,}: {section}[{index}]" if line else f"{section}[{index}]"


def _batched(items: Iterator[tuple[int, int, Any]]) -> Iterator[Batch]:
    """Items (index, line number, item) in batches of consecutive ones."""
    while True:
        chunk = list(itertools.islice(items, _BATCH))
        if not chunk:
            return
        yield Batch(chunk[0][0], chunk[0][1], [item for _i, _n, item in chunk], [])


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _at(text: str | None) -> datetime | None:
    return timefmt.parse(text) if text is not None else None


def _check_parameters(job: _Import, value: Any) -> None:
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    ok = (isinstance(value, list) and len(value) == len(LOWER_BOUNDS_PARAMETERS)
          and all(type(v) in (int, float) and lo <= v <= hi for v, lo, hi in
                  zip(value, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=False)))
    if not ok:
        raise job.fail(f"settings.{PARAMETERS_KEY} must be "
                       f"{len(LOWER_BOUNDS_PARAMETERS)} FSRS parameters within bounds")


def _most_of(row: Any, theirs: dict[str, Any]) -> dict[str, Any]:
    mine_at, their_at = _aware(row.last_verified_at), theirs["last_verified_at"]
    newer_is_theirs = their_at is not None and (mine_at is None or their_at > mine_at)
    done_at = [t for t in (_aware(row.done_at), theirs["done_at"]) if t is not None]
    return {
        "done": bool(row.done) or theirs["done"],
        "attempts": max(row.attempts, theirs["attempts"]),
        "hints_shown": max(row.hints_shown, theirs["hints_shown"]),
        "last_passed": theirs["last_passed"] if newer_is_theirs else row.last_passed,
        "last_verified_at": their_at if newer_is_theirs else mine_at,
        "done_at": min(done_at) if done_at else None,
    }


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
