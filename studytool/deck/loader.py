"""Deck files -> validated `Deck` objects, with every problem as a `file:line: message` line.

Two paths give the same result: full validation (`validation.Checker`, pydantic), and for
content that already passed it under the same code and answer names, a direct build from the
parsed tables (see `trust`). Loading for the app may take the second; `validate` never does.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from studytool.deck import trust
from studytool.deck.answer_names import known_answer_names
from studytool.deck.layout import scan
from studytool.deck.models import (
    PLACEHOLDER_ANSWER,
    Deck,
    deck_from_tables,
    question_from_table,
)
from studytool.deck.problems import DeckError, FileProblem, Problem
from studytool.deck.reading import read_text

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)$|\s*\(at end of document\)$")


def load_deck(path: Path | str, *, use_cache: bool = True) -> Deck:
    """The deck in `path`; DeckError (one line per problem) if anything is wrong with it."""
    deck, problems = check_file(Path(path), use_cache=use_cache)
    if deck is None:
        raise DeckError(problems)
    return deck


def validate_files(paths: Iterable[Path | str]) -> list[str]:
    """Problem lines (errors and warnings) for each file, in order; empty when all are fine."""
    lines: list[str] = []
    for path in paths:
        lines.extend(str(p) for p in check_file(Path(path))[1])
    return lines


def check_file(
    path: Path, known: Collection[str] | None = None, *, use_cache: bool = False
) -> tuple[Deck | None, list[Problem]]:
    """(deck or None, problems): the deck is None when there is at least one error."""
    try:
        text = read_text(path)
    except FileProblem as exc:
        return None, [Problem(str(path), exc.line, exc.message)]
    return check_text(text, path, known, use_cache=use_cache)


def check_text(
    text: str, path: Path, known: Collection[str] | None = None, *, use_cache: bool = False
) -> tuple[Deck | None, list[Problem]]:
    """Validate deck text as if read from `path`."""
    name = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [_toml_problem(name, exc)]
    except RecursionError:  # tomllib recurses into nested arrays and tables
        return None, [Problem(name, None, "not valid TOML: values nested too deeply")]
    names = known_answer_names() if known is None else known
    key = trust.content_key(text, names)
    if use_cache and trust.is_trusted(key):
        return _trusted(data, text, path)
    from studytool.deck.validation import Checker  # pydantic: only when really validating

    checker = Checker(name, scan(text), names)
    deck = checker.run(data, path)
    if deck is not None:
        trust.remember(key)
    return deck, sorted(checker.problems, key=lambda p: p.line or 0)


def _trusted(data: dict[str, Any], text: str, path: Path) -> tuple[Deck, list[Problem]]:
    tables = data.get("question", [])
    questions = tuple(question_from_table(table) for table in tables)
    deck = deck_from_tables(data["deck"], questions, path)
    problems: list[Problem] = []
    if any(q.answer == PLACEHOLDER_ANSWER for q in questions):
        # Same warning as the full check, which is the only other place that words it.
        from studytool.deck.validation import placeholder_warning

        layout = scan(text)
        problems = [placeholder_warning(str(path), layout.question_line(i, "answer"), q.id)
                    for i, q in enumerate(questions) if q.answer == PLACEHOLDER_ANSWER]
    return deck, problems


def _toml_problem(name: str, exc: tomllib.TOMLDecodeError) -> Problem:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    line = int(match[1]) if match and match[1] else None
    text = _TOML_POSITION.sub("", message)
    return Problem(name, line, f"not valid TOML: {text[:1].lower()}{text[1:]}")
