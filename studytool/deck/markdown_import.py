"""`import-questions`: a Markdown questionnaire -> a new deck file that validates and loads.

Input: "## question" headings, each followed by its answer (the seed document's shape); an
optional "# title" first. Choices (see questions/SCHEMA.md):
- ids are `<deck>-q01`, `<deck>-q02`... in document order;
- a question with no answer gets the placeholder "(no answer yet)": the file still loads, and
  both the import and `studytool validate` warn about it until someone writes the answer;
- a heading that ends with ":" and has no text under it continues in the next heading (exports
  split "What does this code do:" + "## the code" this way);
- a paragraph inside an answer that reads like a question is reported, not split off: only the
  learner can tell a missing heading from a rhetorical question.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from studytool.deck.markdown_clean import (
    clean_inline,
    fence_code,
    is_image_only,
    looks_like_code,
    looks_like_question,
)
from studytool.deck.models import PLACEHOLDER_ANSWER, Deck
from studytool.deck.problems import DeckError, FileProblem, Problem
from studytool.deck.reading import read_text
from studytool.deck.schema import ID_PATTERN
from studytool.deck.toml_writer import render_table
from studytool.errors import StudytoolError

# ATX headings; a closing run of #s counts only after a space, so "C#" keeps its #.
_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_KIND_BY_START = (("write", "code"), ("implement", "code"), ("experiment", "experiment"),
                  ("draw", "draw"), ("study", "study"), ("take a look", "study"))


@dataclass
class ImportedQuestion:
    text: str
    answer: str
    line: int  # the heading's line in the Markdown file
    kind: str = "recall"


@dataclass
class Questionnaire:
    title: str | None
    questions: list[ImportedQuestion]
    warnings: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ImportResult:
    path: Path
    deck: Deck
    warnings: list[str]


@dataclass
class _Section:
    heading: str
    line: int
    body: list[str] = field(default_factory=list)
    body_lines: list[int] = field(default_factory=list)


def parse_questionnaire(text: str) -> Questionnaire:
    """Questions and answers from Markdown text; warnings carry source line numbers."""
    title, sections = _split_sections(text)
    sections = _merge_split_headings(sections)
    questionnaire = Questionnaire(title, [])
    for section in sections:
        question_text = clean_inline(section.heading)
        if not question_text:
            questionnaire.warnings.append((section.line, "empty '## ' heading skipped"))
            continue
        answer = _answer(section, questionnaire.warnings)
        if not answer:
            questionnaire.warnings.append(
                (section.line, f"'{_short(question_text)}' has no answer; wrote "
                               f"'{PLACEHOLDER_ANSWER}'"))
            answer = PLACEHOLDER_ANSWER
        questionnaire.questions.append(
            ImportedQuestion(question_text, answer, section.line, _kind(question_text)))
    return questionnaire


def render_deck(deck_id: str, title: str, source: str, questions: list[ImportedQuestion]) -> str:
    width = 3 if len(questions) > 99 else 2
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    parts = [
        f"# Imported from {source} by `studytool import-questions` on {stamp}.\n"
        "# Edit freely; keep each id: it links the question to its review history.\n"
        "# Schema: questions/SCHEMA.md in the studytool sources.\n",
        render_table("[deck]", {"id": deck_id, "title": title, "source": source}),
    ]
    for number, question in enumerate(questions, start=1):
        parts.append(render_table("[[question]]", {
            "id": f"{deck_id}-q{number:0{width}d}",
            "kind": question.kind if question.kind != "recall" else None,
            "text": question.text,
            "answer": question.answer,
        }))
    return "\n".join(parts)


def import_markdown(
    source: Path, deck_id: str, out: Path | None = None, *, force: bool = False,
    title: str | None = None,
) -> ImportResult:
    """Write a new deck file from a Markdown questionnaire; StudytoolError on bad input."""
    if not re.match(ID_PATTERN, deck_id) or len(deck_id) > 40:
        raise StudytoolError(f"bad deck name '{deck_id}': use lowercase letters, digits, '-' "
                             "and '_' (e.g. ch13)")
    try:
        text = read_text(source)
    except FileProblem as exc:
        where = f"{source}:{exc.line}" if exc.line else str(source)
        raise StudytoolError(f"{where}: {exc.message}") from None
    questionnaire = parse_questionnaire(text)
    if not questionnaire.questions:
        raise StudytoolError(f"{source}: no questions found (expected '## question' headings "
                             "with the answer below each)")
    target = out if out is not None else _default_path(deck_id)
    _check_target(target, deck_id, force)
    deck_title = title or questionnaire.title or deck_id
    rendered = render_deck(deck_id, deck_title, source.name, questionnaire.questions)
    deck = _validated(rendered, target)
    _write_atomically(target, rendered)
    warnings = [str(Problem(str(source), line, message, warning=True))
                for line, message in questionnaire.warnings]
    return ImportResult(target, deck, warnings)


def _split_sections(text: str) -> tuple[str | None, list[_Section]]:
    title: str | None = None
    sections: list[_Section] = []
    in_fence = False
    for number, line in enumerate(text.split("\n"), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading and len(heading[1]) <= 2:
            if len(heading[1]) == 2:
                sections.append(_Section(heading[2] or "", number))
            elif title is None and not sections:
                title = clean_inline(heading[2] or "") or None
            continue  # a later "# part" heading is structure, not part of any answer
        if sections:
            sections[-1].body.append(line)
            sections[-1].body_lines.append(number)
    return title, sections


def _merge_split_headings(sections: list[_Section]) -> list[_Section]:
    merged: list[_Section] = []
    for section in sections:
        previous = merged[-1] if merged else None
        if previous and not _has_text(previous.body) and previous.heading.rstrip().endswith(":"):
            part = clean_inline(section.heading)
            part = f"`{part}`" if looks_like_code(part) else part
            previous.heading = f"{previous.heading.rstrip()} {part}"
            previous.body, previous.body_lines = section.body, section.body_lines
            continue
        merged.append(section)
    return merged


def _answer(section: _Section, warnings: list[tuple[int, str]]) -> str:
    paragraphs: list[str] = []
    for start, lines in _paragraphs(section):
        if lines[0].lstrip().startswith(("```", "~~~")):
            paragraphs.append("\n".join(lines).strip("\n"))  # fenced code stays verbatim
            continue
        cleaned = "\n".join(clean_inline(line) for line in lines).strip()
        if not cleaned:
            continue
        if looks_like_question(cleaned):
            warnings.append((start, f"'{_short(cleaned)}' inside an answer looks like a "
                                    "question: add '## ' before it to make it a card"))
        paragraphs.append(cleaned)
    answer = "\n\n".join(fence_code(paragraphs)).strip()
    if answer and is_image_only(answer):
        warnings.append((section.line, f"the answer is only an image ({_short(answer)}); the "
                                       "terminal shows its path, not the picture"))
    return answer


def _paragraphs(section: _Section) -> list[tuple[int, list[str]]]:
    """(first line number, lines) per blank-line separated block; fences kept whole."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    in_fence = False
    for number, line in zip(section.body_lines, section.body, strict=True):
        if _FENCE.match(line):
            if not in_fence and current:
                blocks.append((start, current))
                current = []
            in_fence = not in_fence
        if not line.strip() and not in_fence:
            if current:
                blocks.append((start, current))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        blocks.append((start, current))
    return blocks


def _kind(question: str) -> str:
    lowered = question.lower()
    for start, kind in _KIND_BY_START:
        if lowered.startswith(start):
            return kind
    return "code" if " implement " in f" {lowered} " else "recall"


def _has_text(lines: list[str]) -> bool:
    return any(line.strip() for line in lines)


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _default_path(deck_id: str) -> Path:
    from studytool.deck.installed import user_decks_dir

    return user_decks_dir() / f"{deck_id}.toml"


def _check_target(target: Path, deck_id: str, force: bool) -> None:
    if target.is_dir():
        raise StudytoolError(f"{target} is a directory; give a file path with -o")
    if target.exists() and not force:
        raise StudytoolError(f"{target} already exists (use --force to replace it)")
    from studytool.deck.installed import deck_files
    from studytool.deck.loader import check_file

    for path in deck_files():
        if path.resolve() == target.resolve():
            continue
        deck, _ = check_file(path, use_cache=True)
        if deck is not None and deck.id == deck_id:
            raise StudytoolError(f"deck '{deck_id}' already exists ({path}); choose another "
                                 "--deck name")


def _validated(rendered: str, target: Path) -> Deck:
    from studytool.deck.loader import check_text

    deck, problems = check_text(rendered, target)
    if deck is None:  # the writer and the schema disagree: a bug, reported as a deck error
        raise DeckError(problems)
    return deck


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
