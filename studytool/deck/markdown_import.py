"""`import-questions`: a questionnaire (Markdown, or a Jupyter notebook) -> a deck file.

The questions come from `questionnaire.parse_questionnaire` (fastbook's Questionnaire and
Further Research lists, "## question" headings, or a numbered list with answers). Ids:
- fastbook's lists: `<deck>-q01`... for the questionnaire and `<deck>-fr1`... for Further
  Research, the way the shipped ch12 deck numbers them, so a re-import of the same chapter
  gives every question the same id (its review history is keyed by it);
- other documents: `<deck>-q01`, `<deck>-q02`... in document order.
A question with no answer gets the placeholder "(no answer yet)": the file still loads, and
both the import and `studytool validate` warn about it until someone writes the answer (in
the file, or with `studytool write-answer`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from studytool.deck.models import Deck
from studytool.deck.problems import DeckError, FileProblem, Problem
from studytool.deck.questionnaire import ImportedQuestion, Questionnaire, parse_questionnaire
from studytool.deck.reading import read_text
from studytool.deck.schema import ID_PATTERN
from studytool.deck.toml_writer import render_table, write_atomically
from studytool.errors import StudytoolError

__all__ = ["ImportResult", "ImportedQuestion", "Questionnaire", "import_markdown",
           "parse_questionnaire", "question_ids", "render_deck"]


@dataclass
class ImportResult:
    path: Path
    deck: Deck
    warnings: list[str]
    missing_answers: int = 0
    shape: str = ""  # how the questions were found (questionnaire.Questionnaire.shape)


def question_ids(deck_id: str, questions: list[ImportedQuestion]) -> list[str]:
    """The id of each question (see the module docstring)."""
    main = [q for q in questions if q.part != "further"]
    width = 3 if len(main) > 99 else 2
    ids, number, further = [], 0, 0
    for question in questions:
        if question.part == "further":
            further += 1
            ids.append(f"{deck_id}-fr{further}")
        else:
            number += 1
            ids.append(f"{deck_id}-q{number:0{width}d}")
    return ids


def render_deck(deck_id: str, title: str, source: str, questions: list[ImportedQuestion]) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    parts = [
        f"# Imported from {source} by `studytool import-questions` on {stamp}.\n"
        "# Edit freely; keep each id: it links the question to its review history.\n"
        "# Schema: questions/SCHEMA.md in the studytool sources.\n",
        render_table("[deck]", {"id": deck_id, "title": title, "source": source}),
    ]
    for qid, question in zip(question_ids(deck_id, questions), questions, strict=True):
        parts.append(render_table("[[question]]", {
            "id": qid,
            "kind": question.kind if question.kind != "recall" else None,
            "text": question.text,
            "answer": question.answer,
        }))
    return "\n".join(parts)


def import_markdown(
    source: Path, deck_id: str, out: Path | None = None, *, force: bool = False,
    title: str | None = None,
) -> ImportResult:
    """Write a new deck file from a questionnaire: Markdown, or a `.ipynb` notebook (read as
    JSON, never run). StudytoolError with one line on bad input; nothing is written then."""
    if not re.match(ID_PATTERN, deck_id) or len(deck_id) > 40:
        raise StudytoolError(f"bad deck name '{deck_id}': use lowercase letters, digits, '-' "
                             "and '_' (e.g. ch13)")
    notebook = None
    try:
        if source.suffix.lower() == ".ipynb":
            from studytool.deck.notebook import read_notebook

            notebook = read_notebook(source)
            text = notebook.markdown
        else:
            text = read_text(source)
    except FileProblem as exc:
        where = f"{source}:{exc.line}" if exc.line else str(source)
        raise StudytoolError(f"{where}: {exc.message}") from None
    questionnaire = parse_questionnaire(text)
    if not questionnaire.questions:
        expected = ("a '## Questionnaire' Markdown cell with a numbered list" if notebook
                    else "'## question' headings with the answer below each, a numbered list "
                         "of questions, or fastbook's '## Questionnaire' list")
        raise StudytoolError(f"{source}: no questions found (expected {expected})")
    target = out if out is not None else _default_path(deck_id)
    _check_target(target, deck_id, force)
    deck_title = title or questionnaire.title or deck_id
    rendered = render_deck(deck_id, deck_title, source.name, questionnaire.questions)
    deck = _validated(rendered, target)
    write_atomically(target, rendered)
    warnings: list[str] = []
    for line, message in questionnaire.warnings:
        cell = notebook.cell_of(line) if notebook is not None else None
        problem = Problem(f"{source}: cell {cell}", None, message, warning=True) if cell \
            else Problem(str(source), line, message, warning=True)
        warnings.append(str(problem))
    missing = sum(not q.has_answer for q in questionnaire.questions)
    return ImportResult(target, deck, warnings, missing, questionnaire.shape)


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
