"""Import a JSON export: read with a size cap, validate everything, then merge in ONE
transaction (nothing changes unless all of it goes in).

Merge rules (by stable ids, so importing the same file twice adds nothing):
- decks and cards missing from the database are added as they are in the file;
- a review is added unless the card already has one at the same time with the same rating;
- a card present on both sides takes the file's scheduling state when the file's last review
  is the later one (the state after the card's latest review), else it keeps its own;
- settings keys the database lacks are added (the database's own settings win);
- exercise progress keeps the most of both sides; runs missing from the database are added.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from studytool.config import Settings
from studytool.errors import StudytoolError
from studytool.exchange import timefmt
from studytool.exchange.document import FORMAT, MAX_BYTES, PARAMETERS_KEY, VERSION
from studytool.exchange.schema import CardIn, DocumentIn, RunIn, to_float
from studytool.exercises.progress import _table as exercise_table
from studytool.srs.settings_store import validate as validate_settings
from studytool.store.database import Database
from studytool.store.models import CardRow, DeckRow, ReviewLogRow, RunEpochRow, RunRow, SettingRow

_SETTING_FIELDS = {f.name for f in fields(Settings)}
_SCHEDULING = ("state", "step", "stability", "difficulty", "due", "last_review")


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


def import_json(db: Database, path: Path, max_bytes: int = MAX_BYTES) -> ImportSummary:
    document = read_document(path, max_bytes)
    with db.session() as session:
        return merge(session, document)


# -- reading and checking -------------------------------------------------------------------
def read_document(path: Path, max_bytes: int = MAX_BYTES) -> DocumentIn:
    raw = _read_capped(path, max_bytes)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise StudytoolError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise StudytoolError(f"{path}: not valid JSON (truncated or malformed): "
                             f"{exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise StudytoolError(f"{path}: JSON nested too deeply") from exc
    except ValueError as exc:  # NaN/Infinity, integers with thousands of digits
        raise StudytoolError(f"{path}: not valid JSON: {_one_line(str(exc))}") from exc
    _check_header(path, data)
    try:
        document = DocumentIn.model_validate(data)
    except ValidationError as exc:
        raise StudytoolError(f"{path}: {_first_error(exc)}") from exc
    _check_references(path, document)
    return document


def _read_capped(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise StudytoolError(f"{path}: {size:,} bytes is over the import limit of "
                                 f"{max_bytes:,} (raise it with --max-mb)")
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)  # never more, even if the file grew meanwhile
    except OSError as exc:
        raise StudytoolError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise StudytoolError(f"{path}: over the import limit of {max_bytes:,} bytes")
    return raw


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _check_header(path: Path, data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StudytoolError(f"{path}: not a studytool export (no \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if version != VERSION or type(version) is not int:
        raise StudytoolError(f"{path}: export version {json.dumps(version)[:20]} is not supported "
                             f"(this studytool reads version {VERSION})")


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return _one_line(f"{where.lstrip('.') or 'document'}: {first['msg']}{more}")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _check_references(path: Path, doc: DocumentIn) -> None:
    decks = _unique(path, "deck", (d.id for d in doc.decks))
    cards = _unique(path, "card", ((c.deck_id, c.question_id) for c in doc.cards))
    for card in doc.cards:
        if card.deck_id not in decks:
            raise StudytoolError(f"{path}: card {card.deck_id}/{card.question_id} names "
                                 f"unknown deck {card.deck_id!r}")
    for review in doc.reviews:
        if (review.deck_id, review.question_id) not in cards:
            raise StudytoolError(f"{path}: a review at {review.reviewed_at} names unknown card "
                                 f"{review.deck_id}/{review.question_id}")
    _unique(path, "review", ((r.deck_id, r.question_id, timefmt.parse(r.reviewed_at), r.rating)
                             for r in doc.reviews))
    _unique(path, "exercise", (e.name for e in doc.exercises))
    _unique(path, "run", (_run_key_in(r) for r in doc.runs))
    for key in doc.settings:
        if key != PARAMETERS_KEY and key not in _SETTING_FIELDS:
            raise StudytoolError(f"{path}: unknown setting {key!r}")
    known = {k: v for k, v in doc.settings.items() if k in _SETTING_FIELDS}
    try:
        validate_settings(replace(Settings(), **known))
    except StudytoolError as exc:
        raise StudytoolError(f"{path}: settings: {exc}") from exc
    if PARAMETERS_KEY in doc.settings:
        _check_parameters(path, doc.settings[PARAMETERS_KEY])


def _check_parameters(path: Path, value: Any) -> None:
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    ok = (isinstance(value, list) and len(value) == len(LOWER_BOUNDS_PARAMETERS)
          and all(type(v) in (int, float) and lo <= v <= hi for v, lo, hi in
                  zip(value, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=False)))
    if not ok:
        raise StudytoolError(f"{path}: settings.{PARAMETERS_KEY} must be "
                             f"{len(LOWER_BOUNDS_PARAMETERS)} FSRS parameters within bounds")


def _unique(path: Path, what: str, keys: Iterable[Any]) -> set[Any]:
    seen: set[Any] = set()
    for key in keys:
        if key in seen:
            raise StudytoolError(f"{path}: {what} {_show(key)} appears twice")
        seen.add(key)
    return seen


def _show(key: Any) -> str:
    return "/".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


def _run_key_in(run: RunIn) -> tuple[Any, ...]:
    return (run.answer, _at(run.started_at), _at(run.finished_at), run.status)


def _at(text: str | None) -> datetime | None:
    return timefmt.parse(text) if text is not None else None


# -- merging --------------------------------------------------------------------------------
def merge(session: Session, doc: DocumentIn) -> ImportSummary:
    summary = ImportSummary()
    _merge_decks(session, doc, summary)
    ids, last_reviews = _merge_cards(session, doc, summary)
    _merge_reviews(session, doc, ids, summary)
    _update_states(session, doc, ids, last_reviews, summary)
    _merge_settings(session, doc, summary)
    _merge_exercises(session, doc, summary)
    _merge_runs(session, doc, summary)
    return summary


def _merge_decks(session: Session, doc: DocumentIn, summary: ImportSummary) -> None:
    existing = set(session.scalars(select(DeckRow.id)))
    new = [d.model_dump() for d in doc.decks if d.id not in existing]
    if new:
        session.execute(insert(DeckRow), new)
    summary.decks_added = len(new)


def _card_map(session: Session, deck_ids: set[str]) -> dict[tuple[str, str],
                                                           tuple[int, datetime | None]]:
    query = select(CardRow.deck_id, CardRow.question_id, CardRow.id, CardRow.last_review)
    found = {}
    for chunk in _chunks(sorted(deck_ids)):
        for deck, question, card_id, last in session.execute(
                query.where(CardRow.deck_id.in_(chunk))):
            found[(deck, question)] = (card_id, last)
    return found


def _merge_cards(session: Session, doc: DocumentIn, summary: ImportSummary
                 ) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], datetime | None]]:
    decks = {c.deck_id for c in doc.cards}
    before = _card_map(session, decks)
    new = [_card_values(c) for c in doc.cards if (c.deck_id, c.question_id) not in before]
    if new:
        session.execute(insert(CardRow), new)
    summary.cards_added = len(new)
    after = _card_map(session, decks) if new else before
    ids = {key: card_id for key, (card_id, _last) in after.items()}
    # Cards just added have no reviews in the database: the file's state is theirs already.
    last_reviews = {key: last for key, (_id, last) in before.items()}
    return ids, last_reviews


def _card_values(card: CardIn) -> dict[str, Any]:
    values = card.model_dump()
    for key in ("due", "last_review", "buried_until"):
        values[key] = _at(values[key])
    return values


def _merge_reviews(session: Session, doc: DocumentIn, ids: dict[tuple[str, str], int],
                   summary: ImportSummary) -> None:
    touched = sorted({ids[(r.deck_id, r.question_id)] for r in doc.reviews})
    existing: set[tuple[int, datetime, int]] = set()
    query = select(ReviewLogRow.card_id, ReviewLogRow.reviewed_at, ReviewLogRow.rating)
    for chunk in _chunks(touched):
        existing.update((card_id, at, rating) for card_id, at, rating in session.execute(
            query.where(ReviewLogRow.card_id.in_(chunk))))
    rows = []
    for review in doc.reviews:
        card_id = ids[(review.deck_id, review.question_id)]
        at = timefmt.parse(review.reviewed_at)
        if (card_id, at, review.rating) in existing:
            summary.reviews_already_there += 1
            continue
        rows.append({"card_id": card_id, "rating": review.rating, "reviewed_at": at,
                     "duration_ms": review.duration_ms, "state_before": review.state_before,
                     "card_before": review.card_before.model_dump(exclude_unset=True),
                     "state_after": review.state_after,
                     "due_after": timefmt.parse(review.due_after)})
    for chunk in _chunks(rows, 10_000):
        session.execute(insert(ReviewLogRow), chunk)
    summary.reviews_added = len(rows)


def _update_states(session: Session, doc: DocumentIn, ids: dict[tuple[str, str], int],
                   last_reviews: dict[tuple[str, str], datetime | None],
                   summary: ImportSummary) -> None:
    for card in doc.cards:
        key = (card.deck_id, card.question_id)
        if key not in last_reviews or card.last_review is None:
            continue  # added just now, or never reviewed in the file
        mine = last_reviews[key]
        if mine is not None and mine >= timefmt.parse(card.last_review):
            continue
        values = _card_values(card)
        session.execute(update(CardRow).where(CardRow.id == ids[key])
                        .values({k: values[k] for k in _SCHEDULING}))
        summary.cards_updated += 1


def _merge_settings(session: Session, doc: DocumentIn, summary: ImportSummary) -> None:
    existing = set(session.scalars(select(SettingRow.key)))
    new = [{"key": k, "value": v} for k, v in doc.settings.items() if k not in existing]
    if new:
        session.execute(insert(SettingRow), new)
    summary.settings_added = len(new)


def _merge_exercises(session: Session, doc: DocumentIn, summary: ImportSummary) -> None:
    table = exercise_table()
    existing = {row.name: row for row in session.execute(select(table))}
    for ex in doc.exercises:
        values = {"done": ex.done, "attempts": ex.attempts, "hints_shown": ex.hints_shown,
                  "last_passed": ex.last_passed, "last_verified_at": _at(ex.last_verified_at),
                  "done_at": _at(ex.done_at)}
        row = existing.get(ex.name)
        if row is None:
            session.execute(insert(table).values(name=ex.name, **values))
        else:
            session.execute(update(table).where(table.c.name == ex.name)
                            .values(_most_of(row, values)))
        summary.exercises_merged += 1


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


def _merge_runs(session: Session, doc: DocumentIn, summary: ImportSummary) -> None:
    existing = {(r.answer, r.started_at, r.finished_at, r.status)
                for r in session.execute(select(RunRow.answer, RunRow.started_at,
                                                RunRow.finished_at, RunRow.status))}
    for run in doc.runs:
        if _run_key_in(run) in existing:
            continue
        session.add(RunRow(
            answer=run.answer, status=run.status, device=run.device, params=run.params,
            final=run.final, checks=run.checks, seconds=to_float(run.seconds),
            message=run.message, started_at=_at(run.started_at),
            finished_at=_at(run.finished_at), torch_version=run.torch_version,
            output=run.output, stderr_tail=run.stderr_tail,
            epochs=[RunEpochRow(epoch=e.epoch, train_loss=to_float(e.train_loss),
                                valid_loss=to_float(e.valid_loss),
                                accuracy=to_float(e.accuracy), seconds=to_float(e.seconds))
                    for e in run.epochs]))
        session.flush()  # ids in file order: the next export lists them the same way
        summary.runs_added += 1


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
