"""Import an Anki package (.apkg): its notes' cards become studytool cards, one studytool deck
per Anki deck, with their scheduling and their whole review history.

The package is read by Anki's own backend (the `anki` PyPI package, an optional extra: it is
large, and only this import needs it): imported into an empty collection in a temporary
folder, which reads every package version Anki writes. What it holds is then written as a
studytool JSON export and merged by the JSON import, so an Anki import is checked, merged and
committed exactly like one (one transaction; nothing changes on any problem; importing the
same package again adds nothing).

Ids: a note studytool exported comes back as the same deck and question (its QuestionId
field and GUID, `our_card`), so re-importing our own package updates those cards. Any
other: an Anki deck `Parent::Child` becomes the deck `anki-parent-child`, and a card the
question `<deck id>-<note id>-<card number>` (Anki's note ids do not change, so a later
package of the same collection updates the same cards). Texts are the cards' rendered sides
as plain text. Memory state (stability, difficulty) is Anki's FSRS state where the
collection has one, else fsrs replays the card's reviews.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import tempfile
import zipfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select

from studytool.config import Settings
from studytool.errors import StudytoolError
from studytool.exchange import timefmt
from studytool.exchange.document import FORMAT, LEECH_TAG
from studytool.exchange.json_import import ImportSummary, import_json
from studytool.exchange.progress import ProgressCallback
from studytool.srs import days
from studytool.srs.fsrs_bridge import make_scheduler
from studytool.srs.settings_store import load_settings
from studytool.store.database import Database
from studytool.store.models import LEARNING, NEW, RELEARNING, REVIEW, CardRow, ReviewLogRow

COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
NEEDS_ANKI = ("importing an Anki package needs Anki's backend, the `anki` package: "
              "pip install 'studytool[anki]'")
_SUSPENDED, _BURIED = -1, (-2, -3)
_FILTERED_LEARN, _MANUAL = 3, 4  # revlog kinds: 0 learn, 1 review, 2 relearn, 3 filtered
_HR_ANSWER = re.compile(r"<hr[^>]*\bid\s*=\s*[\"']?answer\b[^>]*>", re.I)
_HIDDEN = re.compile(r"<(style|script)\b.*?</\1\s*>", re.I | re.S)
_BREAK = re.compile(r"<br\s*/?>|</(?:div|p|li|tr|h[1-6])\s*>", re.I)
_TAG = re.compile(r"<[^>]*>")


def is_anki_package(path: Path) -> bool:
    """A ZIP archive holding an Anki collection (any version)."""
    try:
        with zipfile.ZipFile(path) as package:
            return any(name in package.namelist() for name in COLLECTIONS)
    except (OSError, zipfile.BadZipFile):
        return False


def import_apkg(db: Database, path: Path, progress: ProgressCallback | None = None,
                now: datetime | None = None, tz: tzinfo | None = None) -> ImportSummary:
    """Merge the package at `path` into `db`; StudytoolError (one line) on any problem."""
    if not is_anki_package(path):
        raise StudytoolError(f"{path}: a ZIP archive without an Anki collection in it, so "
                             "not an Anki package")
    try:
        from anki.collection import (
            Collection,
            ImportAnkiPackageOptions,
            ImportAnkiPackageRequest,
        )
    except ImportError:
        raise StudytoolError(NEEDS_ANKI) from None
    now = now or datetime.now(UTC)
    with db.session(write=False) as session:
        settings = load_settings(session)
    with tempfile.TemporaryDirectory(prefix="studytool-anki-") as folder:
        col = Collection(str(Path(folder) / "collection.anki2"))
        try:
            request = ImportAnkiPackageRequest(
                package_path=str(path.resolve()),
                options=ImportAnkiPackageOptions(with_scheduling=True))
            try:
                col.import_anki_package(request)
            except Exception as exc:  # Anki's errors are many; each is one line for us
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise StudytoolError(f"{path}: Anki cannot read this package: {first}") from None
            document = _document(col, settings, now, tz)
            _align_times(db, document)
        finally:
            col.close()
        export = Path(folder) / "package.json"
        export.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return import_json(db, export, None, progress)


def deck_id_for(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return f"anki-{slug or 'deck'}"


def plain_text(side: str) -> str:
    """A rendered card side as plain text: styles and scripts dropped, breaks kept."""
    text = _TAG.sub("", _BREAK.sub("\n", _HIDDEN.sub("", side)))
    text = re.sub(r"[ \t]+\n", "\n", html.unescape(text).replace("\xa0", " "))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _document(col: Any, settings: Settings, now: datetime, tz: tzinfo | None) -> dict:
    hour = settings.day_starts_at_hour
    today = col.sched.today
    names = {int(d.id): d.name for d in col.decks.all_names_and_ids()}
    history: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for row in col.db.all("SELECT id, cid, ease, ivl, lastIvl, time, type FROM revlog "
                          "ORDER BY cid, id"):
        entry_id, cid, ease, ivl, last_ivl, taken, kind = row
        if 1 <= ease <= 4 and kind < _MANUAL:  # manual and rescheduling rows are no answer
            history[cid].append((entry_id, ease, ivl, last_ivl, taken, kind))
    decks: dict[str, dict] = {}
    cards: list[dict] = []
    reviews: list[dict] = []
    positions: dict[str, int] = defaultdict(int)

    def day_to_time(day: int) -> datetime:
        return days.day_starts(now, hour, range(day - today, day - today + 1), tz)[0]

    for cid in sorted(col.find_cards("")):
        card = col.get_card(cid)
        deck_id_number = card.odid or card.did
        deck_name = names.get(int(deck_id_number), "Anki")
        note = card.note()
        ours = our_card(note)
        if ours is not None:  # our own export coming back: the same deck and card
            deck_id, question_id = ours
        else:
            deck_id = deck_id_for(deck_name)
            question_id = f"{deck_id}-{card.nid}-{card.ord + 1}"
        decks.setdefault(deck_id, {"id": deck_id, "title": deck_name[:300], "path": "",
                                   "fingerprint": ""})
        answer_side = card.answer()
        parts = _HR_ANSWER.split(answer_side, maxsplit=1)
        text, answer = plain_text(card.question()), plain_text(parts[-1])
        replay, befores = _replay(settings, history.get(cid, []))
        state = int(card.type)
        memory = card.memory_state
        stability = difficulty = None
        if memory is not None and state != NEW:
            stability, difficulty = float(memory.stability), float(memory.difficulty)
        elif state != NEW and replay.stability is not None:
            stability, difficulty = float(replay.stability), float(replay.difficulty)
        if stability is None and state in (REVIEW, RELEARNING):
            stability, difficulty = float(max(card.ivl, 1)), 5.0  # no history to go on
        step = None
        if state in (LEARNING, RELEARNING):
            scheduler = make_scheduler(settings, fuzz=False)
            count = len(scheduler.learning_steps if state == LEARNING
                        else scheduler.relearning_steps)
            step = min(max(count - card.left % 1000, 0), max(count - 1, 0))
        raw_due = card.odue if card.odid else card.due
        if state == NEW:
            due = now
        elif raw_due > 1_000_000_000:  # Anki's rule: a Unix time (intraday learning)
            due = datetime.fromtimestamp(raw_due, UTC)
        else:
            due = day_to_time(raw_due)
        entries = history.get(cid, [])
        last_review = None
        if state != NEW:
            if card.last_review_time:
                last_review = datetime.fromtimestamp(card.last_review_time, UTC)
            elif entries:
                last_review = _at(entries[-1][0])
            elif state == REVIEW:
                last_review = due - timedelta(days=max(card.ivl, 1))
        cards.append({
            "deck_id": deck_id, "question_id": question_id, "position": positions[deck_id],
            "text": text, "answer": answer, "mistake": None, "answers": [],
            "tags": [t[:100] for t in note.tags[:100]
                     if t.lower() != LEECH_TAG and (ours is None or t != deck_id)],
            "leech": any(t.lower() == LEECH_TAG for t in note.tags), "section": None,
            "kind": "recall",
            "fingerprint": hashlib.sha256(f"{text}\x1f{answer}".encode()).hexdigest(),
            "state": state, "step": step, "stability": stability, "difficulty": difficulty,
            "due": timefmt.iso(due), "last_review": timefmt.iso(last_review),
            "suspended": card.queue == _SUSPENDED,
            "buried_until": (timefmt.iso(days.next_day_start(now, hour, tz))
                             if card.queue in _BURIED else None),
            "archived": False})
        positions[deck_id] += 1
        reviews.extend(_reviews(deck_id, question_id, entries, befores, state))
    return {"format": FORMAT, "version": 1, "exported_at": timefmt.iso(now),  # one document
            "settings": {}, "decks": list(decks.values()), "cards": cards,
            "reviews": reviews, "exercises": [], "runs": []}


def _align_times(db: Database, document: dict) -> None:
    """Anki keeps review times in milliseconds, we keep microseconds: a review of ours that
    comes back takes its stored time again, so the import knows it and adds it only once."""
    decks = {deck["id"] for deck in document["decks"]}
    stored: dict[tuple[str, str, int, int], datetime] = {}
    query = (select(CardRow.deck_id, CardRow.question_id, ReviewLogRow.reviewed_at,
                    ReviewLogRow.rating).join(CardRow, CardRow.id == ReviewLogRow.card_id)
             .where(CardRow.deck_id.in_(sorted(decks))))
    with db.session(write=False) as session:
        for deck_id, question_id, at, rating in session.execute(query):
            stored[(deck_id, question_id, int(at.timestamp() * 1000), rating)] = at
    if not stored:
        return
    for review in document["reviews"]:
        key = (review["deck_id"], review["question_id"],
               int(timefmt.parse(review["reviewed_at"]).timestamp() * 1000), review["rating"])
        if key in stored:
            review["reviewed_at"] = timefmt.iso(stored[key])


def our_card(note: Any) -> tuple[str, str] | None:
    """(deck id, question id) of a note studytool exported: its QuestionId field, and a tag
    (the deck id) that with it gives the note's GUID. None for any other note."""
    from studytool.exchange.anki import note_guid

    if "QuestionId" not in note.keys():
        return None
    question_id = plain_text(note["QuestionId"])
    for tag in note.tags:
        if note.guid == note_guid(tag, question_id):
            return tag, question_id
    return None


def _at(entry_id: int) -> datetime:
    return datetime.fromtimestamp(entry_id / 1000, UTC)


def _replay(settings: Settings, entries: list[tuple[int, ...]]) -> tuple[Any, list[Any]]:
    """fsrs's card after the reviews, and its state before each one."""
    from fsrs import Card, Rating

    scheduler = make_scheduler(settings, fuzz=False)
    card = Card(due=_at(entries[0][0]) if entries else datetime.now(UTC))
    befores = []
    for entry_id, ease, *_ in entries:
        befores.append(card)
        card, _log = scheduler.review_card(card, Rating(ease), review_datetime=_at(entry_id))
    return card, befores


def _state_before(kind: int, first: bool, last_ivl: int) -> int:
    if kind == 0:
        return NEW if first else LEARNING
    if kind == _FILTERED_LEARN:  # a filtered deck's answer: review if the card had an interval
        return REVIEW if last_ivl > 0 else (NEW if first else LEARNING)
    return REVIEW if kind == 1 else RELEARNING


def _reviews(deck_id: str, question_id: str, entries: list[tuple[int, ...]],
             befores: list[Any], final_state: int) -> list[dict]:
    states = [_state_before(kind, i == 0, last_ivl)
              for i, (_id, _e, _ivl, last_ivl, _t, kind) in enumerate(entries)]
    out = []
    for i, (entry_id, ease, ivl, _last, taken, _kind) in enumerate(entries):
        at = _at(entry_id)
        before = befores[i]
        after = states[i + 1] if i + 1 < len(entries) else final_state
        due_after = at + (timedelta(days=ivl) if ivl > 0 else timedelta(seconds=-ivl))
        out.append({
            "deck_id": deck_id, "question_id": question_id, "reviewed_at": timefmt.iso(at),
            "rating": ease, "duration_ms": max(int(taken), 0), "state_before": states[i],
            "card_before": {
                "state": states[i],
                "step": before.step if states[i] in (LEARNING, RELEARNING) else None,
                "stability": before.stability, "difficulty": before.difficulty,
                "due": timefmt.iso(before.due), "last_review": timefmt.iso(before.last_review),
                "buried_until": None},
            "state_after": max(after, LEARNING) if after == NEW else after,
            "due_after": timefmt.iso(due_after)})
    return out
