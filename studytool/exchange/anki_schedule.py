"""Scheduling state and review log written into the collection genanki builds, so that Anki's
importer (scheduling included) puts reviewed cards in review or learning with their due dates
and fills its revlog with every review.

genanki writes every card as new and no revlog; this edits its SQLite collection before it is
zipped. The facts Anki's importer relies on (rslib import_export/package/apkg/import):
- a review (or day-learning) card's `due` is a day number counted from the source
  collection's creation, and the importer shifts it by how many days the source is ahead of
  the target: so the collection's clock must say what "today" is. With `schedVer` 2 and a
  `creationOffset`, Anki counts calendar days from the creation date (at that offset) to
  today in the zone of the machine it runs on, the day starting at `rollover`. A creation at
  noon on CREATED and the learner's start hour make a due day the learner's due date minus
  CREATED, so Anki shows the card due on that calendar date;
- an intraday learning card's `due` is a Unix time in seconds, never shifted;
- `data` holds the FSRS memory state (s, d, dr, decay, lrt: last review, seconds);
- a revlog row's id is its time in ms (rows with an id already there are skipped: ids are
  made unique here), `ivl` is days after a review and minus seconds in learning, `type` the
  card's kind when answered (0 learning, 1 review, 2 relearning).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studytool.config import Settings
from studytool.srs import days
from studytool.srs.fsrs_bridge import make_scheduler
from studytool.store.models import LEARNING, NEW, RELEARNING, REVIEW, CardRow, ReviewLogRow

CREATED = date(2006, 1, 1)  # the package collection's creation date (before any review)
# Anki's queues and revlog kinds
QUEUE_SUSPENDED, QUEUE_BURIED, QUEUE_NEW, QUEUE_LEARN, QUEUE_REVIEW = -1, -3, 0, 1, 2
REVLOG_KIND = {NEW: 0, LEARNING: 0, REVIEW: 1, RELEARNING: 2}
SM2_FACTOR = 2500  # Anki's default ease, for the rows its SM-2 would read


@dataclass(frozen=True)
class Clock:
    """The learner's day, as the package's collection must count it."""
    now: datetime
    hour: int
    tz: tzinfo | None

    def day(self, moment: datetime) -> int:
        return (days.learner_date(moment, self.hour, self.tz) - CREATED).days

    def minutes_west(self) -> int:
        offset = self.now.astimezone(self.tz).utcoffset() or timedelta(0)
        return -int(offset.total_seconds() // 60)

    def creation_stamp(self) -> int:
        offset = -timedelta(minutes=self.minutes_west())
        noon = datetime.combine(CREATED, time(12), tzinfo=UTC) - offset
        return int(noon.timestamp())


def write_schedule(conn: sqlite3.Connection, session: Session, note_ids: dict[str, int],
                   guid: Callable[[str, str], str], settings: Settings, clock: Clock) -> int:
    """Give the cards of `note_ids` (GUID -> Anki note id; `guid(deck_id, question_id)` names
    a card's note) their studytool scheduling and write their reviews to the revlog; returns
    the number of revlog rows."""
    _set_clock(conn, clock)
    card_ids = dict(conn.execute("SELECT nid, id FROM cards"))
    scheduler = make_scheduler(settings, fuzz=False)
    steps = {LEARNING: len(scheduler.learning_steps), RELEARNING: len(scheduler.relearning_steps)}
    decay = float(scheduler.parameters[20]) if len(scheduler.parameters) > 20 else None
    history: dict[int, list[ReviewLogRow]] = defaultdict(list)
    # Cram reviews stay out of Anki's revlog: Anki's FSRS would fit them as scheduled ones.
    for review in session.scalars(select(ReviewLogRow).where(ReviewLogRow.cram.is_(False))
                                  .order_by(ReviewLogRow.id)):
        history[review.card_id].append(review)
    taken: set[int] = set()
    revlog = 0
    position = 0
    query = select(CardRow).where(CardRow.archived.is_(False)).order_by(
        CardRow.deck_id, CardRow.position, CardRow.question_id)
    for card in session.scalars(query):
        anki_card = card_ids[note_ids[guid(card.deck_id, card.question_id)]]
        reviews = history.get(card.id, [])
        conn.execute("UPDATE cards SET type=?, queue=?, due=?, ivl=?, factor=?, reps=?, "
                     "lapses=?, left=?, data=? WHERE id=?",
                     (*_card_fields(card, reviews, position, steps, settings, decay, clock),
                      anki_card))
        position += card.state == NEW
        last_ivl = 0
        for review in reviews:
            ivl = _interval(review.state_after, review.reviewed_at, review.due_after, clock)
            conn.execute("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", (
                _unique_ms(review.reviewed_at, taken), anki_card, -1, review.rating, ivl,
                last_ivl, 0 if review.state_before in (NEW, LEARNING) else SM2_FACTOR,
                min(review.duration_ms or 0, 2**31 - 1), REVLOG_KIND[review.state_before]))
            last_ivl = ivl
            revlog += 1
    return revlog


def _set_clock(conn: sqlite3.Connection, clock: Clock) -> None:
    (text,) = conn.execute("SELECT conf FROM col").fetchone()
    conf = json.loads(text)
    conf.update(schedVer=2, rollover=clock.hour, creationOffset=clock.minutes_west())
    conn.execute("UPDATE col SET crt=?, conf=?", (clock.creation_stamp(), json.dumps(conf)))


def _card_fields(card: CardRow, reviews: list[ReviewLogRow], position: int,
                 steps: dict[int, int], settings: Settings, decay: float | None,
                 clock: Clock) -> tuple[Any, ...]:
    """(type, queue, due, ivl, factor, reps, lapses, left, data) for Anki."""
    lapses = sum(r.rating == 1 and r.state_before == REVIEW for r in reviews)
    data: dict[str, Any] = {}
    if card.stability is not None and card.difficulty is not None:
        data = {"s": round(card.stability, 4), "d": round(card.difficulty, 3),
                "dr": settings.desired_retention}
        if decay is not None:
            data["decay"] = round(decay, 4)
    if card.last_review is not None:
        data["lrt"] = int(card.last_review.timestamp())
    if card.state == NEW:
        queue, due, ivl, left, factor = QUEUE_NEW, position, 0, 0, 0
        data = {}
    elif card.state == REVIEW:
        queue, due, left, factor = QUEUE_REVIEW, clock.day(card.due), 0, SM2_FACTOR
        ivl = max(1, clock.day(card.due) - clock.day(card.last_review or card.due))
    else:  # learning and relearning: a step count down, due at a time of day
        queue, due, factor = QUEUE_LEARN, int(card.due.timestamp()), SM2_FACTOR
        left = max(1, steps[card.state] - (card.step or 0))
        ivl = 0
        if card.state == RELEARNING and card.last_review is not None:
            ivl = 1
    if card.suspended:
        queue = QUEUE_SUSPENDED
    elif card.buried_until is not None and card.buried_until > clock.now:
        queue = QUEUE_BURIED
    return (card.state, queue, due, ivl, factor, len(reviews), lapses, left,
            json.dumps(data) if data else "")


def _interval(state_after: int, at: datetime, due: datetime, clock: Clock) -> int:
    """Anki's revlog interval: days once in review, minus the seconds of a learning step."""
    if state_after == REVIEW:
        return max(1, clock.day(due) - clock.day(at))
    return -max(1, int((due - at).total_seconds()))


def _unique_ms(moment: datetime, taken: set[int]) -> int:
    ms = int(moment.timestamp() * 1000)
    while ms in taken:
        ms += 1
    taken.add(ms)
    return ms
