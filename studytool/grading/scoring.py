"""Scoring a typed answer from sentence embeddings and key concepts (runs in the grading child).

The score mixes two things (questions/SCHEMA.md, "concepts"):
- meaning: how close the answer is to the reference, as a whole and statement by statement
  (cosine similarity of all-MiniLM-L6-v2 embeddings, mapped from [LOW, HIGH] onto [0, 1]);
- concepts: the share of the question's key concepts the answer contains, each found by its
  words (every content word of one wording, or a code fragment, present) or by meaning (one
  wording close enough to a statement or clause of the answer).
Then caps, each with a note: no answer ("I don't know" and the like), an answer that repeats
the question, an answer closer to another question's reference than to this one's, and
statements that contradict the reference (close to the card's known mistake, or to a reference
statement with the opposite polarity). The constants are chosen on the development half of the
labelled set in benchmarks/grading_set.toml; `benchmarks/grading_quality.py` reports both halves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from studytool.deck.models import concept_wordings
from studytool.grading.messages import Grade, GradeRequest
from studytool.grading.text import (
    content_stems,
    is_non_answer,
    negated,
    plain,
    statements,
)

# (the learner's texts, the deck's texts) -> their embeddings, (n, dim) rows L2-normalised, the
# learner's first; one call per grade, so the worker embeds whatever is new in one batch (and
# may keep the deck's texts across runs).
Encode = Callable[[Sequence[str], Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Params:
    low: float = 0.30  # similarity that counts as no shared meaning
    high: float = 0.78  # similarity of a full paraphrase
    concept_low: float = 0.42  # concept vs best clause: below, not there
    concept_high: float = 0.66  # above, there
    concept_weight: float = 0.55  # share of the score from concepts (when there are some)
    other_margin: float = 0.04  # closer to another question's reference by this: its answer
    other_clear: float = 0.15  # ...by this much: its answer, whatever concepts it mentions
    mistake_min: float = 0.54  # a statement this close to the known mistake...
    mistake_margin: float = 0.04  # ...and closer to it than to the reference contradicts it
    negation_min: float = 0.82  # a reference statement this close, opposite polarity...
    negation_words: int = 30  # ...both statements at most this long (long ones negate asides)
    own_coverage: float = 0.75  # with this share of its concepts, an answer is this card's
    contradiction_penalty: float = 0.20
    cap: float = 0.20  # the score of an answer to another question, or of an echo
    hard: float = 0.34  # score thresholds of the suggested rating: Hard, Good, Easy
    good: float = 0.56
    easy: float = 0.82


DEFAULT = Params()
_CODE = re.compile(r"[()\[\]._=*]")
_CLAUSE = re.compile(r",\s+|:\s+|\s+-\s+|\s+(?:and|but|so|because|which|while)\s+")


def grade(request: GradeRequest, encode: Encode, params: Params = DEFAULT) -> Grade:
    concepts = [concept_wordings(c) for c in request.concepts]
    labels = [wordings[0] for wordings in concepts]
    answer = request.answer.strip()
    if is_non_answer(answer):
        return Grade(request.question_id, 0.0, 1, [], labels, [], "no answer given", 0.0,
                     0.0 if concepts else None)
    whole, said, clauses = _answer_parts(answer)
    parts = _DeckParts.of(request)
    reference, wordings, mistakes = parts.statements, parts.wordings, parts.mistakes
    others = [plain(text) for _qid, text in request.others]
    at = _Cursor(encode([whole, *said, *clauses], [*parts.texts(), *others]))
    v_whole, v_said, v_clauses = at.take(1)[0], at.take(len(said)), at.take(len(clauses))
    v_ref, v_reference = at.take(1)[0], at.take(len(reference))
    v_wordings, v_mistakes, v_others = at.take(len(wordings)), at.take(len(mistakes)), \
        at.take(len(others))

    similarity = float(v_whole @ v_ref)
    # Each statement of the answer, matched with its closest reference statement (or the
    # whole reference): an answer of a few true sentences scores like a paraphrase.
    support = np.max(v_said @ np.vstack([v_reference, v_ref[None]]).T, axis=1)
    meaning_raw = 0.5 * similarity + 0.5 * float(np.mean(support))
    meaning = _ramp(meaning_raw, params.low, params.high)

    found: list[str] = []
    missing: list[str] = []
    coverage: float | None = None
    if concepts:
        windows = np.vstack([v_whole[None], v_said, v_clauses])
        stems = set(content_stems(answer))
        squashed = _squash(answer)
        scores = []
        offset = 0
        for label, ws in zip(labels, concepts, strict=True):
            v = v_wordings[offset: offset + len(ws)]
            offset += len(ws)
            lexical = any(_has_words(w, stems, squashed) for w in ws)
            semantic = float(np.max(v @ windows.T))
            value = 1.0 if lexical else _ramp(semantic, params.concept_low, params.concept_high)
            scores.append(value)
            (found if value >= 0.5 else missing).append(label)
        coverage = float(np.mean(scores))
        score = (1 - params.concept_weight) * meaning + params.concept_weight * coverage
    else:
        score = meaning

    note = ""
    contradictions = _contradictions(said, v_said, reference, v_reference, mistakes,
                                     v_mistakes, params)
    score = max(0.0, score - params.contradiction_penalty * len(contradictions))
    if not set(content_stems(answer)) - set(content_stems(request.question)):
        note = "the answer only repeats the question"
        score = min(score, params.cap)
    elif request.others:
        sims = v_others @ v_whole
        best = int(np.argmax(sims))
        margin = float(sims[best]) - similarity
        # Concepts of this card found vouch for a close call, not for a clear one.
        if margin > params.other_clear or (
                margin > params.other_margin
                and (coverage is None or coverage < params.own_coverage)):
            note = f"this reads like the answer to {request.others[best][0]}"
            score = min(score, params.cap)
    return Grade(request.question_id, round(score, 4), suggest_rating(score, params),
                 found, missing, contradictions, note, round(meaning, 4),
                 None if coverage is None else round(coverage, 4))


def learner_texts(answer: str) -> list[str]:
    """What a grade embeds from the answer: all of it, its statements, their clauses."""
    whole, said, clauses = _answer_parts(answer.strip())
    return [whole, *said, *clauses]


def _answer_parts(answer: str) -> tuple[str, list[str], list[str]]:
    said = statements(answer) or [plain(answer)]
    return plain(answer), said, _clauses(said)


def deck_texts(request: GradeRequest) -> list[str]:
    """What a grade of this question embeds from the deck (the answer and the other questions'
    references aside): the reference, its statements, the concepts' wordings, the mistakes."""
    return _DeckParts.of(request).texts()


@dataclass(frozen=True)
class _DeckParts:
    whole: str
    statements: list[str]
    wordings: list[str]
    mistakes: list[str]

    @classmethod
    def of(cls, request: GradeRequest) -> _DeckParts:
        whole = plain(request.reference)
        return cls(whole, statements(request.reference) or [whole],
                   [w for c in request.concepts for w in concept_wordings(c)],
                   mistaken_beliefs(request.mistake) if request.mistake else [])

    def texts(self) -> list[str]:
        return [self.whole, *self.statements, *self.wordings, *self.mistakes]


def suggest_rating(score: float, params: Params = DEFAULT) -> int:
    if score >= params.easy:
        return 4
    if score >= params.good:
        return 3
    if score >= params.hard:
        return 2
    return 1


def _contradictions(said: list[str], v_said: np.ndarray, reference: list[str],
                    v_reference: np.ndarray, mistakes: list[str], v_mistakes: np.ndarray,
                    params: Params) -> list[str]:
    out: list[str] = []
    to_reference = v_said @ v_reference.T
    for i, statement in enumerate(said):
        best_ref = float(np.max(to_reference[i]))
        if mistakes:
            to_mistake = v_mistakes @ v_said[i]
            k = int(np.argmax(to_mistake))
            # "Forgetting to detach" is not what "detach the states" says: same polarity only.
            if float(to_mistake[k]) >= params.mistake_min and \
                    float(to_mistake[k]) >= best_ref + params.mistake_margin and \
                    negated(statement, omissions=True) == negated(mistakes[k], omissions=True):
                out.append(f"'{_short(statement)}' is a known mistake: {mistakes[k]}")
                continue
        j = int(np.argmax(to_reference[i]))
        short = max(len(statement.split()), len(reference[j].split())) <= params.negation_words
        if short and best_ref >= params.negation_min and \
                negated(statement) != negated(reference[j]):
            out.append(f"'{_short(statement)}' says the opposite of: {reference[j]}")
    return out


# Verbs that only report a belief ("Thinking X" states X); action verbs ("Forgetting to
# detach") are the mistake itself and stay.
_FRAMING = re.compile(r"^(?:thinking|saying|answering|believing|assuming|concluding)"
                      r"(?:\s+from\s+[^,]*?)?\s+(?:that\s+)?", re.I)
_ASIDE = re.compile(r"\s*\([^()]*\)")


def mistaken_beliefs(mistake: str) -> list[str]:
    """What the card's `mistake` says learners wrongly write, without its correction.

    Deck mistakes read "Thinking X (or Y): the truth is Z." Only the first sentence, up to
    its colon, describes the error; each ", or" alternative is its own belief, and the
    framing verb ("Thinking", "Saying") is dropped so the belief reads as a learner states it.
    """
    first = (statements(mistake) or [""])[0]
    belief = first.split(": ", 1)[0]
    out = []
    for part in re.split(r",? or (?=[a-z])|; ", belief):
        part = _FRAMING.sub("", _ASIDE.sub("", part).strip()).strip(" .,;")
        if len(part.split()) >= 3:
            out.append(part[:1].upper() + part[1:])
    return out


def _clauses(said: list[str]) -> list[str]:
    out: list[str] = []
    for statement in said:
        parts = [p.strip() for p in _CLAUSE.split(statement) if len(p.split()) >= 2]
        if len(parts) > 1:
            out.extend(parts)
    return out


def _has_words(wording: str, stems: set[str], squashed: str) -> bool:
    if _CODE.search(wording):  # a code fragment: present as written, spaces aside
        return _squash(wording) in squashed
    needed = content_stems(wording)
    return bool(needed) and all(s in stems for s in needed)


def _squash(text: str) -> str:
    return re.sub(r"[\s`]+", "", text.lower())


def _ramp(value: float, low: float, high: float) -> float:
    return min(1.0, max(0.0, (value - low) / (high - low)))


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class _Cursor:
    """Hands out consecutive rows of one batch of embeddings."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.at = 0

    def take(self, n: int) -> np.ndarray:
        part = self.rows[self.at: self.at + n]
        self.at += n
        return part if n else np.zeros((0, self.rows.shape[1]), dtype=self.rows.dtype)
