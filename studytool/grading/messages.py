"""What goes to the grading process and what comes back: small JSON-able dataclasses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from studytool.errors import StudytoolError

if TYPE_CHECKING:
    from studytool.deck.models import Deck


@dataclass(frozen=True)
class GradeRequest:
    """One typed answer to grade against a question's reference.

    others: (question id, reference answer) of the other questions of the deck, so an answer
    that belongs to another question can be told apart from a good answer to this one.
    """

    question_id: str
    question: str
    reference: str
    answer: str
    concepts: tuple[str, ...] = ()
    mistake: str | None = None
    others: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["concepts"] = list(self.concepts)
        data["others"] = [list(pair) for pair in self.others]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GradeRequest:
        return cls(
            question_id=str(data["question_id"]), question=str(data["question"]),
            reference=str(data["reference"]), answer=str(data.get("answer") or ""),
            concepts=tuple(str(c) for c in data.get("concepts") or ()),
            mistake=str(data["mistake"]) if data.get("mistake") else None,
            others=tuple((str(a), str(b)) for a, b in data.get("others") or ()),
        )


@dataclass(frozen=True)
class Grade:
    """The grade of one typed answer.

    score: 0-1. suggested_rating: 1 Again .. 4 Easy. found / missing: the key concepts (their
    first wording). contradictions: statements of the answer that contradict the reference
    (a known mistake, or the reference negated). note: why the score was capped, if it was.
    meaning: similarity to the reference (0-1); coverage: share of concepts found (None: the
    question lists none, so meaning alone decides).
    """

    question: str
    score: float
    suggested_rating: int
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    contradictions: list[str] = field(default_factory=list)
    note: str = ""
    meaning: float = 0.0
    coverage: float | None = None

    @property
    def passed(self) -> bool:
        return self.suggested_rating >= 2

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "score": round(self.score, 3),
            "suggested_rating": self.suggested_rating, "found": list(self.found),
            "missing": list(self.missing), "contradictions": list(self.contradictions),
            "note": self.note, "meaning": round(self.meaning, 3),
            "coverage": None if self.coverage is None else round(self.coverage, 3),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Grade:
        coverage = data.get("coverage")
        return cls(
            question=str(data["question"]), score=float(data["score"]),
            suggested_rating=int(data["suggested_rating"]),
            found=[str(x) for x in data.get("found", [])],
            missing=[str(x) for x in data.get("missing", [])],
            contradictions=[str(x) for x in data.get("contradictions", [])],
            note=str(data.get("note", "")), meaning=float(data.get("meaning", 0.0)),
            coverage=None if coverage is None else float(coverage),
        )


def request_for(deck: Deck, question_id: str, answer: str) -> GradeRequest:
    """The request for a typed answer to one question of `deck`; StudytoolError when the
    question is unknown or has no reference answer yet (then there is nothing to grade by)."""
    from studytool.deck.models import PLACEHOLDER_ANSWER

    question = deck.get(question_id)
    if question is None:
        raise StudytoolError(f"unknown question '{question_id}'")
    if question.answer == PLACEHOLDER_ANSWER:
        raise StudytoolError(f"{question_id} has no reference answer yet, so there is nothing "
                             f"to grade against: write one (studytool write-answer "
                             f"{question_id})")
    others = tuple((q.id, q.answer) for q in deck.questions
                   if q.id != question_id and q.answer != PLACEHOLDER_ANSWER)
    return GradeRequest(question.id, question.text, question.answer, answer,
                        question.concepts, question.mistake, others)


def warm_requests(decks: Iterable[Deck]) -> list[GradeRequest]:
    """One answerless request per question that has a reference answer: what `Grader.warm`
    takes to embed the decks' texts before the first grade."""
    from studytool.deck.models import PLACEHOLDER_ANSWER

    return [GradeRequest(q.id, q.text, q.answer, "", q.concepts, q.mistake)
            for deck in decks for q in deck.questions if q.answer != PLACEHOLDER_ANSWER]
