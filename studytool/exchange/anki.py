"""Anki package (.apkg) with genanki: one note per question (archived ones left out).

Fields: QuestionId, Question, Answer, Mistake, Code (the source of the question's runnable
answers, read from their files, never imported: the answers import torch). Tags are the
card's tags plus the deck id. The model and deck ids are fixed numbers, chosen once, and
each note's GUID comes from its deck and question ids only, so importing an updated package
into Anki updates the notes instead of adding copies (genanki's default GUID hashes every
field, so an edited answer would become a new note). Each card carries its scheduling and
its reviews (see `anki_schedule`).
"""

from __future__ import annotations

import ast
import hashlib
import html
import importlib.util
import itertools
import json
import re
import sqlite3
import tempfile
import zipfile
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

import genanki
from sqlalchemy import select

from studytool.exchange.anki_schedule import Clock, write_schedule
from studytool.exchange.document import LEECH_TAG
from studytool.exchange.output import atomic_output
from studytool.srs.settings_store import load_settings
from studytool.store.database import Database
from studytool.store.models import CardRow, DeckRow

MODEL_ID = 1_718_364_021  # chosen once; never change it (Anki matches notes' types by it)
DECK_ID_BASE = 1_718_364_000_000  # deck ids: this plus a hash of the studytool deck id
FIELDS = ("QuestionId", "Question", "Answer", "Mistake", "Code")
CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; }
pre { background: #f4f4f4; padding: 8px; font-size: 14px; overflow-x: auto; }
.mistake { color: #a33; }"""
FRONT = '<div class="question">{{Question}}</div>'
BACK = ('{{FrontSide}}<hr id="answer"><div class="answer">{{Answer}}</div>'
        '{{#Mistake}}<p class="mistake"><b>Common mistake:</b> {{Mistake}}</p>{{/Mistake}}'
        '{{#Code}}<div class="code">{{Code}}</div>{{/Code}}')

MODEL = genanki.Model(
    MODEL_ID, "studytool question", fields=[{"name": name} for name in FIELDS],
    templates=[{"name": "Recall", "qfmt": FRONT, "afmt": BACK}], css=CSS, sort_field_index=0)


def deck_id_for(deck_id: str) -> int:
    digest = hashlib.sha256(deck_id.encode()).digest()
    return DECK_ID_BASE + int.from_bytes(digest[:4], "big") % 1_000_000_000


def note_guid(deck_id: str, question_id: str) -> str:
    return genanki.guid_for("studytool", deck_id, question_id)


def export_apkg(db: Database, path: Path, now: datetime | None = None,
                tz: tzinfo | None = None) -> int:
    """Write the package; returns the number of notes. `tz` is the learner's zone (None:
    the system's), which with the day's start hour decides the due days Anki shows."""
    now = now or datetime.now(UTC)
    decks: dict[str, genanki.Deck] = {}
    with db.session(write=False) as session:
        for deck in session.scalars(select(DeckRow).order_by(DeckRow.id)):
            decks[deck.id] = genanki.Deck(deck_id_for(deck.id), deck.title or deck.id)
        query = (select(CardRow).where(CardRow.archived.is_(False))
                 .order_by(CardRow.deck_id, CardRow.position, CardRow.question_id))
        count = 0
        for card in session.scalars(query):
            decks[card.deck_id].add_note(make_note(card))
            count += 1
        settings = load_settings(session)
        with tempfile.TemporaryDirectory(prefix="studytool-apkg-") as folder:
            collection = Path(folder) / "collection.anki2"
            conn = sqlite3.connect(collection)
            try:
                ids = itertools.count(int(now.timestamp() * 1000))
                genanki.Package(list(decks.values())).write_to_db(conn.cursor(),
                                                                  now.timestamp(), ids)
                note_ids = dict(conn.execute("SELECT guid, id FROM notes"))
                clock = Clock(now, settings.day_starts_at_hour, tz)
                write_schedule(conn, session, note_ids, note_guid, settings, clock)
                conn.commit()
            finally:
                conn.close()
            with atomic_output(path) as out, zipfile.ZipFile(out, "w") as package:
                package.write(collection, "collection.anki2")
                package.writestr("media", json.dumps({}))
    return count


def make_note(card: CardRow) -> genanki.Note:
    code = "".join(_code_html(name) for name in card.answers)
    fields = [html.escape(card.question_id), _html(card.text), _html(card.answer),
              _html(card.mistake or ""), code]
    # A leech travels as Anki's own `leech` tag (what Anki's leech action adds).
    tags = [_tag(t) for t in (card.deck_id, *card.tags)] + ([LEECH_TAG] if card.leech else [])
    return genanki.Note(model=MODEL, fields=fields, tags=tags,
                        guid=note_guid(card.deck_id, card.question_id))


def _html(text: str) -> str:
    """The decks' Markdown as HTML for Anki; raw HTML in the text is escaped, never passed on."""
    from markdown_it import MarkdownIt  # textual's own Markdown parser, already installed

    return MarkdownIt("commonmark", {"html": False}).render(text.strip()).strip()


def _tag(text: str) -> str:
    return re.sub(r"\s+", "_", text.strip()) or "untagged"


def _code_html(answer_name: str) -> str:
    source = answer_source(answer_name)
    if source is None:
        return ""
    return (f"<p><b>Runnable answer <code>{html.escape(answer_name)}</code></b></p>"
            f"<pre><code>{html.escape(source)}</code></pre>")


@lru_cache(maxsize=256)
def answer_source(answer_name: str) -> str | None:
    """The source of an answer's entry function, found by file (no import of its module)."""
    from answers_code.registry import get

    try:
        answer: Any = get(answer_name)
    except (KeyError, LookupError):
        return None
    module, _, function = answer.entry.partition(":")
    text = _module_text(module)
    if text is None:
        return None
    entry = _definition(text, function) or text
    if answer.book_model and answer.book_model == answer.name:
        # Entries shared by the book's models (run_lmmodel) say little on their own: the
        # model's class is the answer, e.g. answers_code/models/lm1.py:LMModel1.
        number = answer.book_model.removeprefix("lmmodel")
        model_text = _module_text(f"answers_code.models.lm{number}")
        model = _definition(model_text, f"LMModel{number}") if model_text else None
        if model:
            return f"{model}\n\n\n{entry}"
    return entry


def _module_text(module: str) -> str | None:
    """A module's source text, located without importing it or its parent packages
    (importlib.util.find_spec would import `answers_code.models`, whose __init__ imports
    torch): the top package's spec, then PathFinder one level at a time."""
    top, *rest = module.split(".")
    try:
        spec = importlib.util.find_spec(top)  # answers_code/__init__.py is torch-free
        for depth in range(len(rest)):
            if spec is None or not spec.submodule_search_locations:
                return None
            name = ".".join([top, *rest[:depth + 1]])
            spec = PathFinder.find_spec(name, list(spec.submodule_search_locations))
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin).read_text(encoding="utf-8")


def _definition(text: str, name: str) -> str | None:
    """The source of the top-level function or class `name` in `text`."""
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in ast.parse(text).body:
        if isinstance(node, kinds) and node.name == name:
            return ast.get_source_segment(text, node)
    return None
