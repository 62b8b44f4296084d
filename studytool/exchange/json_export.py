"""Write the complete, versioned JSON export, streaming (memory does not grow with rows)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studytool.config import Settings
from studytool.exchange import queries, timefmt
from studytool.exchange.document import (
    CARD_COLUMNS,
    COLUMNS,
    END,
    FORMAT,
    PARAMETERS_KEY,
    REVIEW_COLUMNS,
    SECTION,
    VERSION,
    VERSIONS,
)
from studytool.exchange.output import atomic_text
from studytool.exchange.progress import ProgressCallback, Reporter
from studytool.store.database import Database
from studytool.store.models import ExerciseProgressRow, RunRow, SettingRow

SETTING_KEYS = frozenset({f.name for f in fields(Settings)} | {PARAMETERS_KEY})
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
_encode_string = json.encoder.encode_basestring  # the encoder's own escaping (not ASCII-only)


def export_json(db: Database, path: Path, now: datetime | None = None,
                progress: ProgressCallback | None = None, version: int = VERSION) -> int:
    """Write the export to `path` (whole or not at all: see `output`), in the layout of
    `version` (see `document`).

    Returns the number of reviews written.
    """
    with atomic_text(path) as out:
        return write_json(db, out, now, progress, version)


def write_json(db: Database, out: IO[str], now: datetime | None = None,
               progress: ProgressCallback | None = None, version: int = VERSION) -> int:
    if version not in VERSIONS:
        raise ValueError(f"no export version {version}")
    moment = now or datetime.now(UTC)
    with db.session(write=False) as session:
        report = Reporter(progress, "export", "reviews", queries.review_count(session))
        rows = version == 3  # cards and reviews as arrays of their columns
        prefixes: dict[int, str] = {}  # card id -> its reviews' first text, from the cards
        sections: list[tuple[str, Iterable[list[str]]]] = [
            ("decks", [[_deck(d) for d in queries.decks(session)]]),
            ("cards", _card_lines(session, rows, prefixes)),
            ("reviews", (_review_rows if rows else _review_lines)(session, prefixes)),
            ("exercises", [[_dumps(e) for e in exercises(session)]]),
            ("runs", [[_dumps(run(r)) for r in queries.runs(session)]])]
        head = (f'{{"format":"{FORMAT}","version":{version},'
                f'"exported_at":{_dumps(timefmt.iso(moment))},')
        setting = _dumps(settings(session))
        if version == 1:
            out.write(f'{head}\n"settings":{setting},\n')
            counts = {key: _write_list(out, key, batches, report, last=key == "runs")
                      for key, batches in sections}
        else:
            out.write(f'{head}"settings":{setting}}}\n')
            counts = {key: _write_lines(out, key, batches, report, rows)
                      for key, batches in sections}
            out.write(f'{{"{END}":{_dumps(counts)}}}\n')
        report(counts["reviews"], final=True)
    return counts["reviews"]


def _write_list(out: IO[str], key: str, batches: Iterable[list[str]],
                report: Reporter, last: bool = False) -> int:
    """Version 1: the section as a JSON array, an item a line."""
    # One write per batch of items (a thousand rows), not two per row.
    out.write(f'"{key}":[')
    count = 0
    for batch in batches:
        if not batch:
            continue
        out.write(("\n" if count == 0 else ",\n") + ",\n".join(batch))
        count = _reported(report, key, count + len(batch))
    out.write("]}\n" if last else "],\n")
    return count


def _write_lines(out: IO[str], key: str, batches: Iterable[list[str]],
                 report: Reporter, rows: bool = False) -> int:
    """Versions 2 and 3: the section's line (version 3's `rows`: with the columns of the
    cards and the reviews), then an item a line."""
    columns = {"cards": CARD_COLUMNS, "reviews": REVIEW_COLUMNS}.get(key) if rows else None
    named = f',"{COLUMNS}":{_dumps(columns)}' if columns else ""
    out.write(f'{{"{SECTION}":"{key}"{named}}}\n')
    count = 0
    for batch in batches:
        if batch:
            out.write("\n".join(batch) + "\n")
            count = _reported(report, key, count + len(batch))
    return count


def _reported(report: Reporter, key: str, count: int) -> int:
    report.counts[key] = count
    report(report.counts.get("reviews", 0))
    return count


def settings(session: Session) -> dict[str, Any]:
    rows = session.scalars(select(SettingRow).order_by(SettingRow.key))
    return {row.key: row.value for row in rows if row.key in SETTING_KEYS}


def _deck(deck: Any) -> str:
    return _dumps({"id": deck.id, "title": deck.title, "path": deck.path,
                   "fingerprint": deck.fingerprint})


_CARD_KEYS = tuple(f'"{name}":' for name in CARD_COLUMNS)


def _card_lines(session: Session, rows: bool, prefixes: dict[int, str]) -> Iterator[list[str]]:
    # Formatted field by field: a dict per card through the generic encoder took longer than
    # the whole query. Strings go through the encoder's string escaping, numbers as they are.
    # Version 3 (`rows`) writes the values as an array, version 2 each after its key. Each
    # card's ids, encoded here, start its reviews' lines (`prefixes`): reading and encoding
    # them again for the reviews cost a tenth of an export of 100,000 cards.
    text = queries.stored_as_text(session)
    for batch in queries.card_rows(session):
        lines = []
        for row in batch:
            values = _card_values(row, text)
            if rows:
                prefixes[row[-1]] = f"[{values[0]},{values[1]},"
                lines.append(f"[{','.join(values)}]")
            else:
                prefixes[row[-1]] = f'{{"deck_id":{values[0]},"question_id":{values[1]},'
                lines.append("{" + ",".join([k + v for k, v in zip(_CARD_KEYS, values,
                                                                   strict=True)]) + "}")
        yield lines


def _card_values(row: tuple[Any, ...], text: bool) -> tuple[str, ...]:
    """A card's values as JSON text, in CARD_COLUMNS order (its id, last in `row`, left
    out)."""
    (deck, question, position, words, answer, mistake, answers, tags, section, kind,
     fingerprint, state, step, stability, difficulty, due, last, suspended, buried,
     archived, leech, _card_id) = row
    # NOT NULL text columns go straight to the encoder's escaping (no call for a null).
    iso, quote = timefmt.iso_from_sqlite if text else timefmt.iso, _encode_string
    if not text:
        answers, tags = _dumps(answers), _dumps(tags)
    return (quote(deck), quote(question), str(position), quote(words), quote(answer),
            _string(mistake), answers, tags, _string(section), quote(kind), quote(fingerprint),
            str(state), _number(step), _number(stability), _number(difficulty),
            f'"{iso(due)}"', _time(iso(last)), "true" if suspended else "false",
            _time(iso(buried)), "true" if archived else "false", "true" if leech else "false")


def _string(value: str | None) -> str:
    return "null" if value is None else _encode_string(value)


def _number(value: float | None) -> str:
    # repr is what the JSON encoder writes for a finite float (the store keeps no other)
    return "null" if value is None else repr(value)


def _time(iso: str | None) -> str:
    return "null" if iso is None else f'"{iso}"'


def _review_lines(session: Session, prefixes: dict[int, str]) -> Iterator[list[str]]:
    # The hot loop (a million rows): each card's ids are encoded once (`prefixes`), the rest
    # is formatted directly (every value is a number, a time or the store's own JSON text); a
    # time is the store's SQLite text (naive UTC), made ISO by slicing, measured faster than
    # any conversion in SQL. Elsewhere the datetimes are first put in that text form.
    for rows in _review_batches(session):
        yield [f'{prefixes[card_id]}"reviewed_at":"{at[:10]}T{at[11:]}+00:00",'
               f'"rating":{rating},"duration_ms":{"null" if duration is None else duration},'
               f'"state_before":{before},"card_before":{card_before},'
               f'"state_after":{after},"due_after":"{due[:10]}T{due[11:]}+00:00"'
               f'{"" if score is None and typed is None else _grade(score, suggested, typed)}'
               f'{_CRAM if cram else ""}}}'
               for card_id, at, rating, duration, before, card_before, after, due, score,
               suggested, typed, cram in rows]


_CRAM = ',"cram":true'  # only cram reviews carry it, as the import takes it as optional


def _review_batches(session: Session) -> Iterator[Any]:
    """The reviews' rows in batches, their times in the store's SQLite text form."""
    batches = queries.review_rows(session)
    if not queries.stored_as_text(session):
        return ([_as_text(row) for row in rows] for rows in batches)
    return iter(batches)


def _review_rows(session: Session, prefixes: dict[int, str]) -> Iterator[list[str]]:
    """Version 3's reviews: `_review_lines`' values as arrays in REVIEW_COLUMNS order, the
    grade's three always there (null when the review had none)."""
    for rows in _review_batches(session):
        yield [f'{prefixes[card_id]}"{at[:10]}T{at[11:]}+00:00",{rating},'
               f'{"null" if duration is None else duration},{before},{after},'
               f'"{due[:10]}T{due[11:]}+00:00",'
               f'{_graded(score, suggested, typed)},{"true" if cram else "false"},'
               f'{card_before}]'
               for card_id, at, rating, duration, before, card_before, after, due, score,
               suggested, typed, cram in rows]


def _graded(score: float | None, suggested: int | None, typed: str | None) -> str:
    if score is None and suggested is None and typed is None:
        return "null,null,null"
    return (f'{_number(score)},{"null" if suggested is None else suggested},'
            f'{_string(typed)}')


def _as_text(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A review row with its two times (aware datetimes) as the SQLite store's text."""
    at, due = (t.astimezone(UTC).isoformat(" ", "microseconds")[:26] for t in (row[1], row[7]))
    return (row[0], at, *row[2:7], due, *row[8:])


def _grade(score: float | None, suggested: int | None, typed: str | None) -> str:
    # Only quiz reviews carry these (the import takes them as optional), so the common row
    # stays as short as before grading existed.
    return (f',"grade_score":{_number(score)},'
            f'"suggested_rating":{"null" if suggested is None else suggested},'
            f'"typed_answer":{_string(typed)}')


def exercises(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(ExerciseProgressRow).order_by(ExerciseProgressRow.name))
    return [{"name": row.name, "done": row.done, "attempts": row.attempts,
             "hints_shown": row.hints_shown, "last_passed": row.last_passed,
             "last_verified_at": timefmt.iso(row.last_verified_at),
             "done_at": timefmt.iso(row.done_at)} for row in rows]


def run(row: RunRow) -> dict[str, Any]:
    return {
        "answer": row.answer, "status": row.status, "device": row.device,
        "params": finite(row.params), "final": finite(row.final), "checks": finite(row.checks),
        "seconds": number(row.seconds), "message": row.message,
        "started_at": timefmt.iso(row.started_at), "finished_at": timefmt.iso(row.finished_at),
        "torch_version": row.torch_version, "output": row.output,
        "stderr_tail": row.stderr_tail,
        "epochs": [{"epoch": e.epoch, "train_loss": number(e.train_loss),
                    "valid_loss": number(e.valid_loss), "accuracy": number(e.accuracy),
                    "seconds": number(e.seconds)} for e in row.epochs],
    }


def number(value: float | None) -> float | str | None:
    """A float for JSON: a diverged run's NaN or infinite loss is written as the string
    "NaN", "Infinity" or "-Infinity" (JSON has no such numbers), and read back as the float."""
    if value is None or math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"


def finite(value: Any) -> Any:
    """Free-form JSON (params, final results): non-finite floats become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value
