"""What an import accepts, item by item: pydantic TypedDicts (strict: no coercion, no unknown
keys) with bounds that keep hostile values (huge numbers, NaN, wrong types, deep nesting,
terminal escape sequences, cards no scheduler can use) out of the store.

TypedDicts rather than models: validating a million reviews into plain dicts takes a fifth of
the time of building model instances. `validate(section, item)` is the one entry point.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    with_config,
)
from typing_extensions import TypedDict  # pydantic needs this one on Python 3.11

from studytool.deck.schema import ID_PATTERN
from studytool.srs.fsrs_bridge import scheduling_problem

INT32 = 2**31 - 1
MAX_TEXT = 200_000
MAX_DEPTH = 16  # free-form JSON (run params, results): deeper is not something we wrote
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)
# Control characters other than tab, newline and carriage return: ESC starts the sequences a
# terminal obeys (colours, cursor moves, window titles), C1 codes are read as ESC by some.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _time(text: str) -> str:
    """Checked, and kept as the text: an import writes the same instant back (and the same
    text where it is kept as text, in a review's `card_before`)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"not an ISO time with a zone: {text[:40]!r}")
    if not _EARLIEST <= moment < _LATEST:
        raise ValueError(f"time out of range: {text[:40]!r}")
    return text


def visible(text: str) -> str:
    """Text with its control characters made visible and harmless: C0 codes and DEL become
    their Unicode pictures (ESC shows as ␛), C1 codes the replacement character. Tabs and
    line breaks stay."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_picture, text)


def _picture(found: re.Match[str]) -> str:
    code = ord(found.group())
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"


def _free_json(value: Any, depth: int = 1) -> Any:
    """Free-form JSON (run params, results, settings values): bounded depth, finite numbers,
    visible text."""
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a finite number")
    if isinstance(value, dict):
        return {visible(k): _free_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_free_json(v, depth + 1) for v in value]
    return value


# Digits and ISO punctuation only (Python's parser takes any character between date and time;
# a time's text is kept, so it must never need escaping or be an escape).
Time = Annotated[str, StringConstraints(max_length=40, pattern=r"^[0-9T:.+\- Z]+$"),
                 AfterValidator(_time)]
# Identifiers are what the deck files allow (letters, digits, - and _): never shown raw as
# anything but themselves, and never an escape sequence.
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=100)]
QuestionId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=200)]
# Text as it is bounded (`Raw...`), and as it is kept: made `visible`. Version 3's rows take the
# raw forms and make a row visible only when its line has a control character in it
# (`has_control`): one search of the line instead of a Python call per text.
RawTag = Annotated[str, StringConstraints(min_length=1, max_length=100)]
RawText = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
RawLabel = Annotated[str, StringConstraints(max_length=50)]
RawHex = Annotated[str, StringConstraints(max_length=64)]
Tag = Annotated[RawTag, AfterValidator(visible)]
Text = Annotated[RawText, AfterValidator(visible)]
Short = Annotated[str, StringConstraints(max_length=300), AfterValidator(visible)]
Label = Annotated[RawLabel, AfterValidator(visible)]
Hex = Annotated[RawHex, AfterValidator(visible)]
Count = Annotated[int, Field(ge=0, le=INT32)]
State = Annotated[int, Field(ge=0, le=3)]
Step = Annotated[int, Field(ge=0, le=1000)]
Rating = Annotated[int, Field(ge=1, le=4)]
Stability = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]
Difficulty = Annotated[float, Field(ge=0, le=11, allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
Metric = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]
Grade = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
FreeJson = Annotated[Any, AfterValidator(_free_json)]
# A diverged run's loss: JSON has no NaN, so the export writes these strings.
NonFinite = Literal["NaN", "Infinity", "-Infinity"]

_STRICT = ConfigDict(strict=True, extra="forbid")


@with_config(_STRICT)
class DeckIn(TypedDict):
    id: Id
    title: Short
    path: Text
    fingerprint: Hex


@with_config(_STRICT)
class Scheduling(TypedDict):
    """A card's scheduling state: on the card, and as it was before each review."""

    state: State
    step: Step | None
    stability: Stability | None
    difficulty: Difficulty | None
    due: Time
    last_review: Time | None


@with_config(_STRICT)
class CardIn(Scheduling):
    deck_id: Id
    question_id: QuestionId
    position: Count
    text: Text
    answer: Text
    mistake: Text | None
    answers: Annotated[list[Id], Field(max_length=100)]
    tags: Annotated[list[Tag], Field(max_length=100)]
    section: Text | None
    kind: Label
    fingerprint: Hex
    suspended: bool
    buried_until: Time | None
    archived: bool
    leech: NotRequired[bool]  # exports older than leeches have none


@with_config(_STRICT)
class CardBefore(Scheduling):
    buried_until: NotRequired[Time | None]
    leech: NotRequired[bool]
    unsuspend: NotRequired[bool]  # this review suspended the card as a leech


def _schedulable(card: Any) -> Any:
    """The scheduling fields as a whole: what the scheduler needs for the card's state."""
    problem = scheduling_problem(card["state"], card["step"], card["stability"],
                                 card["difficulty"])
    if problem is not None:
        raise ValueError(f"cannot be scheduled: {problem}")
    return card


@with_config(_STRICT)
class ReviewIn(TypedDict):
    deck_id: Id
    question_id: QuestionId
    reviewed_at: Time
    rating: Rating
    duration_ms: Count | None
    state_before: State
    # History, not a state to schedule (undo restores only a session's own reviews): a card
    # that was once unusable still exports and imports.
    card_before: CardBefore
    state_after: State
    due_after: Time
    # A typed answer's grade (quiz mode); absent from reviews rated without one, and from
    # exports written before grading existed.
    grade_score: NotRequired[Grade | None]
    suggested_rating: NotRequired[Rating | None]
    typed_answer: NotRequired[Text | None]
    # A cram review (changed no schedule); absent means a scheduled one, as in older exports.
    cram: NotRequired[bool]


@with_config(_STRICT)
class ExerciseIn(TypedDict):
    name: Id
    done: bool
    attempts: Count
    hints_shown: Count
    last_passed: bool | None
    last_verified_at: Time | None
    done_at: Time | None


@with_config(_STRICT)
class EpochIn(TypedDict):
    epoch: Count
    train_loss: Metric | NonFinite | None
    valid_loss: Metric | NonFinite | None
    accuracy: Metric | NonFinite | None
    seconds: Seconds | NonFinite


@with_config(_STRICT)
class RunIn(TypedDict):
    answer: Id
    status: Literal["ok", "failed", "timeout", "cancelled", "error"]
    device: Label
    params: Annotated[dict[str, FreeJson], Field(max_length=200)]
    final: Annotated[dict[str, FreeJson], Field(max_length=200)]
    checks: Annotated[list[FreeJson], Field(max_length=200)]
    seconds: Seconds | NonFinite
    message: Text
    started_at: Time | None
    finished_at: Time | None
    torch_version: Label
    output: Annotated[str, StringConstraints(max_length=5_000_000), AfterValidator(visible)]
    stderr_tail: Text
    epochs: Annotated[list[EpochIn], Field(max_length=10_000)]


Settings_ = Annotated[dict[Id, FreeJson], Field(max_length=100)]


@with_config(_STRICT)
class HeaderIn(TypedDict):
    """The first line of versions 2 and 3."""

    format: Literal["studytool-export"]
    version: Literal[2, 3]
    exported_at: Time
    settings: Settings_


@with_config(_STRICT)
class Counts(TypedDict):
    decks: Count
    cards: Count
    reviews: Count
    exercises: Count
    runs: Count


@with_config(_STRICT)
class EndIn(TypedDict):
    """Version 2's last line: how many items of each section the writer wrote."""

    end: Counts


_ADAPTERS: Mapping[str, TypeAdapter[Any]] = {
    "settings": TypeAdapter(Settings_, config=_STRICT),
    "exported_at": TypeAdapter(Time),
    "decks": TypeAdapter(DeckIn),
    "cards": TypeAdapter(Annotated[CardIn, AfterValidator(_schedulable)]),
    "reviews": TypeAdapter(ReviewIn),
    "exercises": TypeAdapter(ExerciseIn),
    "runs": TypeAdapter(RunIn),
    "header": TypeAdapter(HeaderIn),
    "end": TypeAdapter(EndIn),
}
ARRAYS = ("decks", "cards", "reviews", "exercises", "runs")


def validator(section: str) -> Callable[[Any], Any]:
    """The check of one item of an array section (or of a whole scalar section): returns the
    checked item, raises pydantic's ValidationError."""
    return _ADAPTERS[section].validate_python


def json_validator(section: str) -> Callable[[bytes], Any]:
    """The same check of one item given as JSON text (pydantic parses it, as strictly)."""
    return _ADAPTERS[section].validator.validate_json  # type: ignore[no-any-return]


def first_error(exc: ValidationError, where: str) -> str:
    """The first problem pydantic found, on one line, saying where."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    inner = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    place = f"{where}{inner if where else inner.lstrip('.')}"
    return one_line(f"{place}: {first['msg']}{more}" if place else f"{first['msg']}{more}")


def message(error: Any) -> str:
    """pydantic's message for one error, a time pattern's said in words."""
    if error["type"] == "string_pattern_mismatch" and "[0-5][0-9]" in error["ctx"]["pattern"]:
        return (f"not a time in the export's form, 2026-03-02T12:00:00.000000+00:00 (a real "
                f"day from 1970 to 8999, UTC): {str(error.get('input'))[:40]!r}")
    return str(error["msg"])


def one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def to_float(value: float | str | None) -> float | None:
    return float(value.replace("Infinity", "inf")) if isinstance(value, str) else value


# -- version 3's rows ------------------------------------------------------------------------
def _calendar_pattern() -> str:
    """The export's time form, `2026-03-02T12:00:00.000000+00:00`, as a pattern that only
    real instants in the accepted range match (checked by pydantic's own regex engine, with
    no Python step): months have their lengths, 29 February only leap years."""
    year = "(?:19[7-9][0-9]|[2-8][0-9]{3})"  # 1970-8999, as _time's range
    leap = ("(?:19(?:7[26]|8[048]|9[26])|[2-8][0-9](?:0[48]|[2468][048]|[13579][26])"
            "|(?:[2468][048]|[3579][26])00)")
    day = ("(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]"
           "|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))")
    clock = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}\+00:00"
    return f"^(?:{year}-{day}|{leap}-02-29){clock}$"


EXPORT_TIME = _calendar_pattern()
ExportTime = Annotated[str, StringConstraints(pattern=EXPORT_TIME)]
# A time as the service writes it into a review's card_before (isoformat: no fraction when
# it is zero).
_UtcTime = Annotated[str, StringConstraints(pattern=EXPORT_TIME.replace(
    r"\.[0-9]{6}\+", r"(?:\.[0-9]{6})?\+"))]


@with_config(_STRICT)
class _UtcCardBefore(TypedDict):
    """CardBefore with its times in the service's own form, checked with no Python step; a
    row that fails it is checked again with CardBefore itself (`row_validators`)."""

    state: State
    step: Step | None
    stability: Stability | None
    difficulty: Difficulty | None
    due: _UtcTime
    last_review: _UtcTime | None
    buried_until: NotRequired[_UtcTime | None]
    leech: NotRequired[bool]
    unsuspend: NotRequired[bool]


_COLUMN_TYPES: Mapping[str, Mapping[str, Any]] = {
    "cards": {
        "deck_id": Id, "question_id": QuestionId, "position": Count, "text": RawText,
        "answer": RawText, "mistake": RawText | None,
        "answers": Annotated[list[Id], Field(max_length=100)],
        "tags": Annotated[list[RawTag], Field(max_length=100)], "section": RawText | None,
        "kind": RawLabel, "fingerprint": RawHex, "state": State, "step": Step | None,
        "stability": Stability | None, "difficulty": Difficulty | None, "due": ExportTime,
        "last_review": ExportTime | None, "suspended": bool, "buried_until": ExportTime | None,
        "archived": bool, "leech": bool},
    "reviews": {
        "deck_id": Id, "question_id": QuestionId, "reviewed_at": ExportTime, "rating": Rating,
        "duration_ms": Count | None, "state_before": State, "state_after": State,
        "due_after": ExportTime, "grade_score": Grade | None,
        "suggested_rating": Rating | None, "typed_answer": RawText | None, "cram": bool,
        "card_before": CardBefore},
}
# Where a line may hold a control character: a JSON escape of one (\\b, \\f, \\u0000-\\u001f,
# \\u007f-\\u009f) or DEL and C1 codes written raw. An escaped backslash before such letters
# matches too, which only sends that row the slow way.
_CONTROL_IN_JSON = re.compile(rb"\\(?:[bf]|u00[0189]|u007[fF])|\x7f|\xc2[\x80-\x9f]")
has_control = _CONTROL_IN_JSON.search


def row_validators(section: str, columns: tuple[str, ...]
                   ) -> tuple[Callable[[bytes], Any], Callable[[bytes], Any] | None]:
    """The checks of one row of `section` (a JSON array of `columns`, known names), from its
    JSON text: each returns the tuple or raises pydantic's ValidationError. The first takes
    what the export writes and no more; a row it refuses goes to the second (if any), which
    takes exactly what the objects' checks take and says what is wrong."""
    fast = _row_adapter(section, columns, True).validator.validate_json
    if section != "reviews" or "card_before" not in columns:
        return fast, None
    return fast, _row_adapter(section, columns, False).validator.validate_json


@functools.cache
def _row_adapter(section: str, columns: tuple[str, ...], fast: bool) -> TypeAdapter[Any]:
    types = dict(_COLUMN_TYPES[section])
    if fast and section == "reviews":
        types["card_before"] = _UtcCardBefore
    row: Any = tuple[tuple(types[c] for c in columns)]  # type: ignore[misc]
    return TypeAdapter(row, config=_STRICT)


def column_names(section: str) -> frozenset[str]:
    return frozenset(_COLUMN_TYPES[section])


def shown(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row with its text made `visible` (lists of text too)."""
    return tuple(visible(v) if isinstance(v, str) else [visible(x) for x in v]
                 if isinstance(v, list) else v for v in row)
