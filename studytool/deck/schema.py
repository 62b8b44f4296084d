"""The deck file schema (documented in questions/SCHEMA.md), checked by pydantic.

Imported only when a file is loaded, so `studytool --help` never pays for pydantic.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]


def _not_blank(value: str) -> str:
    # Checked here, stripped in `models.question_from_table`: the schema only validates, so
    # a trusted (already validated) file builds the exact same objects without pydantic.
    if not value.strip():
        raise PydanticCustomError("blank", "is empty")
    return value


def _concept(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "is empty")
    if any(not part.strip() for part in value.split("|")):
        raise PydanticCustomError("concept", "has an empty wording between '|'")
    return value


Text = Annotated[str, AfterValidator(_not_blank)]
Concept = Annotated[str, StringConstraints(max_length=200), AfterValidator(_concept)]
Kind = Literal["recall", "code", "experiment", "draw", "study"]


class _Strict(BaseModel):
    # strict: a number where text belongs is an error, not silently converted.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DeckSpec(_Strict):
    id: Id
    title: Text
    source: Text | None = None


class QuestionSpec(_Strict):
    id: Id
    text: Text
    answer: Text
    kind: Kind = "recall"
    tags: list[Tag] = []
    answers: list[Id] = []
    mistake: Text | None = None
    section: Text | None = None
    concepts: list[Concept] = []


DECK_FIELDS = tuple(DeckSpec.model_fields)
QUESTION_FIELDS = tuple(QuestionSpec.model_fields)
