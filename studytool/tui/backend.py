"""Glue between the app and the domain packages: opening them, and nothing the domain owns.

Everything here runs in worker threads (opening the database imports SQLAlchemy and may
migrate), so the first frame paints before any of it is imported.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from answers_code.registry import Answer
    from studytool.deck import Deck
    from studytool.run_record import RunRecord
    from studytool.srs import StudyService
    from studytool.store import Database

Clock = Callable[[], datetime]


@dataclass
class Backend:
    """The opened database, the study service and the decks it was synced with."""

    db: Database
    service: StudyService
    decks: dict[str, Deck] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def question_text(self, question_id: str) -> str:
        for deck in self.decks.values():
            for question in deck.questions:
                if question.id == question_id:
                    return str(question.text)
        return ""

    def deck_path(self, deck_id: str) -> Path | None:
        deck = self.decks.get(deck_id)
        return deck.path if deck is not None else None


def open_backend(db_url: str, clock: Clock | None, decks: Sequence[Deck] | None,
                 service_options: dict[str, Any] | None = None,
                 learner: str | None = None) -> Backend:
    """Open (or create) the database, and sync the decks so every question has a card."""
    from studytool.srs import StudyService
    from studytool.store import open_db

    problems: list[str] = []
    db = open_db(db_url, learner)
    service = StudyService(db, clock=clock, **(service_options or {}))
    if decks is None:
        from studytool.deck import load_installed

        loaded, problems = load_installed(service.deck_paths())
        decks = list(loaded)
    service.sync_decks(list(decks))
    return Backend(db, service, {d.id: d for d in decks}, list(problems))


# The run's worker thread and the quitting app may both hold the same finished record.
_SAVE_LOCK = threading.Lock()


def store_run(backend: Backend, record: RunRecord) -> int:
    """Store a finished run once: every run the app starts (review, lab, self-check) ends here."""
    with _SAVE_LOCK:
        if record.id is not None:
            return record.id
        from studytool.store.runs import save_run

        return save_run(backend.db, record)


def reload_decks(backend: Backend) -> list[str]:
    """Re-read the installed decks after an edit and sync them; returns the problems found."""
    from studytool.deck import load_installed

    loaded, problems = load_installed(backend.service.deck_paths())
    if loaded:
        backend.service.sync_decks(list(loaded))
        backend.decks.update({d.id: d for d in loaded})
    return list(problems)


def question_line(path: Path, question_id: str) -> int | None:
    """The line of `path` where the question is defined (for `$EDITOR +LINE`), if found."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    pattern = re.compile(rf"""["']{re.escape(question_id)}["']""")
    for number, line in enumerate(lines, start=1):
        if pattern.search(line):
            return number
    return None


def error_text(exc: BaseException) -> str:
    """One line for a notification: the message, with the type only when it adds something."""
    from studytool.errors import StudytoolError

    if isinstance(exc, StudytoolError):
        return str(exc)
    # A driver error wrapped by SQLAlchemy: its own message, without the SQL statement.
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).split("\n")[0]
    text = text.split(" [SQL:")[0].strip()
    name = type(original if original is not None else exc).__name__
    text = f"{name}: {text}" if text else name
    return text if len(text) <= 200 else text[:199] + "…"


def book_rows(answer: Answer) -> list[dict[str, Any]]:
    """The book's epoch table for the model this answer trains ([] when it has none)."""
    key = answer.book_model
    if not key:
        return []
    from answers_code.book import book_table  # JSON data, no torch

    try:
        return book_table(key)
    except KeyError:
        return []
