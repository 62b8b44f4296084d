"""The deck's domain objects: plain frozen dataclasses, cheap to import (no pydantic here)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What a question asks the learner to do. Code, experiment and draw questions are the ones a
# runnable answer can demonstrate; the ch12 deck links each of them to one.
KINDS = ("recall", "code", "experiment", "draw", "study")
RUNNABLE_KINDS = frozenset({"code", "experiment", "draw"})

# What `import-questions` writes for a question that has no answer in the Markdown; `validate`
# reports it as a warning so the learner knows the card still needs one.
PLACEHOLDER_ANSWER = "(no answer yet)"


@dataclass(frozen=True, slots=True)
class Question:
    """One card's content: the question, its reference answer and what helps learn it."""

    id: str
    text: str
    answer: str
    tags: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()  # names of runnable answers (answers_code.registry)
    mistake: str | None = None  # a common mistake learners make here
    section: str | None = None  # where the chapter covers it
    kind: str = "recall"
    concepts: tuple[str, ...] = ()  # key concepts a typed answer must contain (grading)

    def fingerprint(self) -> str:
        """Hash of what a learner reviews (text + answer): an edit here is a content change.

        Metadata (tags, links, mistake, section, kind, concepts) is left out on purpose, so
        fixing a tag never counts as an edit of the card.
        """
        data = f"{self.text}\x00{self.answer}".encode()
        return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Deck:
    """A validated deck file: questions in file order, ids unique."""

    id: str
    title: str
    path: Path
    questions: tuple[Question, ...]
    source: str | None = None

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, question_id: str) -> Question | None:
        for question in self.questions:
            if question.id == question_id:
                return question
        return None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)


def question_from_table(table: Mapping[str, Any]) -> Question:
    """A Question from a `[[question]]` table that passed the schema (see deck/schema.py)."""
    return Question(
        id=table["id"],
        text=table["text"].strip(),
        answer=table["answer"].strip(),
        tags=tuple(table.get("tags", ())),
        answers=tuple(table.get("answers", ())),
        mistake=_optional(table.get("mistake")),
        section=_optional(table.get("section")),
        kind=table.get("kind", "recall"),
        concepts=tuple(c.strip() for c in table.get("concepts", ())),
    )


def concept_wordings(concept: str) -> list[str]:
    """The wordings of one key concept: `"detach the state | truncated BPTT"` gives two; an
    answer that says any one of them has the concept. The first names it in feedback."""
    return [part.strip() for part in concept.split("|") if part.strip()]


def deck_from_tables(
    deck: Mapping[str, Any], questions: tuple[Question, ...], path: Path
) -> Deck:
    """A Deck from a `[deck]` table that passed the schema, and its questions."""
    return Deck(deck["id"], deck["title"].strip(), path, questions, _optional(deck.get("source")))


def _optional(value: str | None) -> str | None:
    return value.strip() if value is not None else None
