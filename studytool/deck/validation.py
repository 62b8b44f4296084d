"""Full validation of a parsed deck file against the schema, collecting every problem."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from studytool.deck.layout import Layout
from studytool.deck.models import (
    PLACEHOLDER_ANSWER,
    Deck,
    Question,
    deck_from_tables,
    question_from_table,
)
from studytool.deck.problems import Problem
from studytool.deck.schema import (
    DECK_FIELDS,
    ID_PATTERN,
    QUESTION_FIELDS,
    DeckSpec,
    QuestionSpec,
)

TOP_LEVEL = ("deck", "question")


class Checker:
    """Collects every problem of one file rather than stopping at the first."""

    def __init__(self, name: str, layout: Layout, known: Collection[str]) -> None:
        self.name = name
        self.layout = layout
        self.known = known
        self.problems: list[Problem] = []
        self.by_index = True  # set by run(): do the [[question]] headers match the parsed list?

    def error(self, line: int | None, message: str, warning: bool = False) -> None:
        self.problems.append(Problem(self.name, line, message, warning))

    def run(self, data: dict[str, Any], path: Path) -> Deck | None:
        for key in data:
            if key not in TOP_LEVEL:
                self.error(self.layout.top_keys.get(key), f"unknown top-level key '{key}'"
                           f"{_suggest(key, TOP_LEVEL)} (expected [deck] and [[question]])")
        deck_spec = self._deck(data.get("deck"))
        raw_questions = data.get("question", [])
        if not isinstance(raw_questions, list):
            self.error(self.layout.top_keys.get("question"),
                       "'question' must be an array of tables: write [[question]]")
            raw_questions = []
        if not raw_questions:
            self.error(self.layout.deck_line() or 1, "the deck has no questions "
                       "(add [[question]] tables with id, text and answer)")
        # An inline `question = [...]` array has no headers: then no per-question lines.
        self.by_index = len(self.layout.questions) == len(raw_questions)
        prefix = f"{deck_spec.id}-" if deck_spec else None
        questions = self._questions(raw_questions, prefix)
        if deck_spec is None or any(not p.warning for p in self.problems):
            return None
        return deck_from_tables(data["deck"], tuple(questions), path)

    def _deck(self, raw: Any) -> DeckSpec | None:
        if raw is None:
            self.error(1, "missing [deck] table (with id and title)")
            return None
        if not isinstance(raw, dict):
            self.error(self.layout.top_keys.get("deck"), "'deck' must be a table: write [deck]")
            return None
        try:
            return DeckSpec.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                key, message = _describe(err, DECK_FIELDS)
                line = self.layout.deck_line(key) or self.layout.top_keys.get("deck")
                self.error(line, f"[deck]: {message}")
            return None

    def _questions(self, raw_questions: list[Any], prefix: str | None) -> list[Question]:
        questions: list[Question] = []
        seen: dict[str, int | None] = {}
        for index, raw in enumerate(raw_questions):
            if not isinstance(raw, dict):
                self.error(self._line(index), f"question {index + 1} is not a table")
                continue
            qid = raw.get("id") if isinstance(raw.get("id"), str) else None
            who = _who(index, qid)
            duplicate = qid is not None and qid in seen
            if qid is not None and duplicate:
                first = seen[qid]
                where = f" (first at line {first})" if first else ""
                self.error(self._line(index), f"{who}: duplicate id{where}")
            elif qid is not None:
                seen[qid] = self._line(index)
            spec = self._question(index, raw, who)
            # The checks below read the raw table, so one bad field hides no other problem.
            self._check_question(index, raw, who, prefix)
            if spec is not None and not duplicate:
                questions.append(question_from_table(raw))
        return questions

    def _question(self, index: int, raw: dict[str, Any], who: str) -> QuestionSpec | None:
        try:
            return QuestionSpec.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                key, message = _describe(err, QUESTION_FIELDS)
                self.error(self._line(index, key), f"{who}: {message}")
            return None

    def _line(self, index: int, key: str | None = None) -> int | None:
        return self.layout.question_line(index, key) if self.by_index else None

    def _check_question(
        self, index: int, raw: dict[str, Any], who: str, prefix: str | None
    ) -> None:
        def at(key: str | None = None) -> int | None:
            return self._line(index, key)

        qid = raw.get("id")
        well_formed = isinstance(qid, str) and re.match(ID_PATTERN, qid)
        if prefix and well_formed and not str(qid).startswith(prefix):
            self.error(at("id"), f"{who}: id must start with the deck id ('{prefix}')")
        links = _strings(raw.get("answers"))
        for name in _duplicates(links):
            self.error(at("answers"), f"{who}: answer '{name}' is linked twice")
        for name in dict.fromkeys(links):
            if name not in self.known:
                self.error(at("answers"), f"{who}: unknown answer '{name}'"
                           f"{_suggest(name, sorted(self.known))}")
        for tag in _duplicates(_strings(raw.get("tags"))):
            self.error(at("tags"), f"{who}: tag '{tag}' is listed twice")
        concepts = [c.strip().lower() for c in _strings(raw.get("concepts"))]
        for concept in _duplicates(concepts):
            self.error(at("concepts"), f"{who}: concept '{concept}' is listed twice")
        answer = raw.get("answer")
        if isinstance(answer, str) and answer.strip() == PLACEHOLDER_ANSWER:
            self.problems.append(placeholder_warning(self.name, at("answer"), who))


def _who(index: int, qid: str | None) -> str:
    """How problem lines name a question: its id, or its number and the id quoted, since a
    malformed id may hold spaces or even line breaks."""
    if qid is not None and re.match(ID_PATTERN, qid):
        return qid
    return f"question {index + 1}" + (f" (id {qid!r})" if qid else "")


def placeholder_warning(name: str, line: int | None, who: str) -> Problem:
    return Problem(name, line, f"{who}: no answer yet (write one in 'answer')", warning=True)


def _strings(value: Any) -> list[str]:
    """The strings of a list value (other types are the schema's problem, reported there)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _describe(err: Any, fields: tuple[str, ...]) -> tuple[str | None, str]:
    """(field whose line to show, a short message) for one pydantic error."""
    loc = err.get("loc", ())
    key = str(loc[0]) if loc else None
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return key, f"unknown field '{key}'{_suggest(key or '', fields)}"
    if kind == "missing":
        return None, f"missing field '{key}'"
    where = key if len(loc) < 2 else f"{key}[{loc[1]}]"
    if kind in ("blank", "string_too_short"):
        return key, f"'{where}' is empty"
    if kind == "concept":
        return key, f"'{where}' has an empty wording between '|'"
    if kind == "string_too_long":
        return key, f"'{where}' is too long (at most {err.get('ctx', {}).get('max_length')} " \
            "characters)"
    value = err.get("input")
    if kind == "string_pattern_mismatch":
        allowed = "lowercase letters, digits and '-'" if key == "tags" else (
            "lowercase letters, digits, '-' and '_'")
        return key, f"'{key}' value {value!r} may only use {allowed} (first: letter or digit)"
    if kind == "literal_error":
        expected = err.get("msg", "").replace("Input should be ", "")
        return key, f"'{key}' is {value!r}; expected {expected}"
    if kind in ("string_type", "list_type"):
        what = "a string" if kind == "string_type" else "a list"
        return key, f"'{where}' must be {what} (got {type(value).__name__} {value!r:.40})"
    return key, f"'{key}': {err.get('msg', 'invalid')}"


def _suggest(name: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _duplicates(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    twice: list[str] = []
    for item in items:
        if item in seen and item not in twice:
            twice.append(item)
        seen.add(item)
    return twice
