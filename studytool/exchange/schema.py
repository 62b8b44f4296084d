"""What an import accepts: pydantic models (strict: no coercion, no unknown keys) with bounds
that keep hostile values (huge numbers, NaN, wrong types, deep nesting) out of the store."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from studytool.exchange import timefmt

INT32 = 2**31 - 1
MAX_TEXT = 200_000
MAX_DEPTH = 16  # free-form JSON (run params, results): deeper is not something we wrote


def _time(text: str) -> str:
    """Checked, and kept as the text: an import writes the same instant back."""
    try:
        moment = timefmt.parse(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO time with a zone: {text[:40]!r}") from exc
    if not datetime(1970, 1, 1, tzinfo=UTC) <= moment < datetime(9000, 1, 1, tzinfo=UTC):
        raise ValueError(f"time out of range: {text[:40]!r}")
    return text


def _shallow(value: Any) -> Any:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("not a finite number")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return value


Time = Annotated[str, StringConstraints(max_length=40), AfterValidator(_time)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=100)]
QuestionId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Short = Annotated[str, StringConstraints(max_length=300)]
Count = Annotated[int, Field(ge=0, le=INT32)]
State = Annotated[int, Field(ge=0, le=3)]
Rating = Annotated[int, Field(ge=1, le=4)]
Stability = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]
Difficulty = Annotated[float, Field(ge=0, le=11, allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
Metric = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]
FreeJson = Annotated[Any, AfterValidator(_shallow)]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class DeckIn(Strict):
    id: Id
    title: Short
    path: Text
    fingerprint: Annotated[str, StringConstraints(max_length=64)]


class CardIn(Strict):
    deck_id: Id
    question_id: QuestionId
    position: Count
    text: Text
    answer: Text
    mistake: Text | None
    answers: Annotated[list[Id], Field(max_length=100)]
    tags: Annotated[list[Id], Field(max_length=100)]
    section: Text | None
    kind: Annotated[str, StringConstraints(max_length=50)]
    fingerprint: Annotated[str, StringConstraints(max_length=64)]
    state: State
    step: Annotated[int, Field(ge=0, le=1000)] | None
    stability: Stability | None
    difficulty: Difficulty | None
    due: Time
    last_review: Time | None
    suspended: bool
    buried_until: Time | None
    archived: bool


class CardBefore(Strict):
    state: State
    step: Annotated[int, Field(ge=0, le=1000)] | None
    stability: Stability | None
    difficulty: Difficulty | None
    due: Time
    last_review: Time | None
    buried_until: Time | None = None


class ReviewIn(Strict):
    deck_id: Id
    question_id: QuestionId
    reviewed_at: Time
    rating: Rating
    duration_ms: Count | None
    state_before: State
    card_before: CardBefore
    state_after: State
    due_after: Time


class ExerciseIn(Strict):
    name: Id
    done: bool
    attempts: Count
    hints_shown: Count
    last_passed: bool | None
    last_verified_at: Time | None
    done_at: Time | None


# A diverged run's loss: JSON has no NaN, so the export writes these strings.
NonFinite = Literal["NaN", "Infinity", "-Infinity"]


class EpochIn(Strict):
    epoch: Count
    train_loss: Metric | NonFinite | None
    valid_loss: Metric | NonFinite | None
    accuracy: Metric | NonFinite | None
    seconds: Seconds | NonFinite


class RunIn(Strict):
    answer: Id
    status: Literal["ok", "failed", "timeout", "cancelled", "error"]
    device: Annotated[str, StringConstraints(max_length=50)]
    params: Annotated[dict[str, FreeJson], Field(max_length=200)]
    final: Annotated[dict[str, FreeJson], Field(max_length=200)]
    checks: Annotated[list[FreeJson], Field(max_length=200)]
    seconds: Seconds | NonFinite
    message: Text
    started_at: Time | None
    finished_at: Time | None
    torch_version: Annotated[str, StringConstraints(max_length=50)]
    output: Annotated[str, StringConstraints(max_length=5_000_000)]
    stderr_tail: Text
    epochs: Annotated[list[EpochIn], Field(max_length=10_000)]


class DocumentIn(Strict):
    format: Literal["studytool-export"]
    version: Literal[1]
    exported_at: Time
    settings: Annotated[dict[Id, FreeJson], Field(max_length=100)]
    decks: list[DeckIn]
    cards: list[CardIn]
    reviews: list[ReviewIn]
    exercises: list[ExerciseIn]
    runs: list[RunIn]


def to_float(value: float | str | None) -> float | None:
    return float(value.replace("Infinity", "inf")) if isinstance(value, str) else value
