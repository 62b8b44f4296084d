"""Writing a question's answer into its deck file, and nothing else of the file.

Imported decks start with "(no answer yet)" answers; the learner writes them later, in the
file or through the app. Only the `answer = ...` value of that one question is replaced (the
rest of the file, comments and layout included, stays byte for byte), the result must
validate, and it replaces the file atomically. The question keeps its id, so syncing the deck
keeps the card with its schedule and review history (the edit only changes its fingerprint).
"""

from __future__ import annotations

import os
from pathlib import Path

from studytool.deck.layout import scan, string_closes, string_opens
from studytool.deck.models import Deck
from studytool.deck.problems import FileProblem
from studytool.deck.reading import read_text
from studytool.deck.toml_writer import toml_string, write_atomically
from studytool.errors import StudytoolError


def write_answer(path: Path, question_id: str, answer: str) -> Deck:
    """Set the answer of `question_id` in the deck file at `path`; returns the new deck."""
    answer = answer.strip()
    if not answer:
        raise StudytoolError("the answer is empty: write something to save")
    try:
        text = read_text(path)
    except FileProblem as exc:
        raise StudytoolError(f"{path}: {exc.message}") from None
    new_text = replace_answer(text, question_id, answer, str(path))
    from studytool.deck.loader import check_text

    deck, problems = check_text(new_text, path)
    errors = [p for p in problems if not p.warning]
    if deck is None or errors:
        raise StudytoolError(str(errors[0]) if errors else f"{path}: the deck does not load")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise StudytoolError(f"{path}: not writable (a shipped deck? edit your own copy)")
    write_atomically(path, new_text)
    return deck


def replace_answer(text: str, question_id: str, answer: str, name: str = "deck") -> str:
    """The deck text with that question's answer value replaced."""
    layout = scan(text)
    headers = layout.ids.get(question_id)
    if not headers:
        raise StudytoolError(f"{name}: no question '{question_id}' in this file")
    table = next(t for t in layout.questions if t.line == headers[0])
    lines = text.split("\n")
    first = table.keys.get("answer")
    value = answer + "\n" if "\n" in answer else answer  # a block keeps its closing line
    rendered = f"answer = {toml_string(value)}"
    if first is None:  # no answer key (an invalid file would not get here): add one after id
        at = table.keys.get("id", table.line)
        return "\n".join(lines[:at] + [rendered] + lines[at:])
    last = _value_end(lines, first - 1)
    return "\n".join(lines[: first - 1] + [rendered] + lines[last + 1:])


def _value_end(lines: list[str], index: int) -> int:
    """The index of the last line of the value that starts on lines[index]."""
    value = lines[index].split("=", 1)[1].strip()
    delim = string_opens(value)
    if delim is None:
        return index
    for end in range(index + 1, len(lines)):
        if string_closes(lines[end], delim):
            return end
    return len(lines) - 1
