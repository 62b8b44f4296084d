"""StudyService: today's queue, ratings, previews, undo, bury, suspend, stats, settings.

One service per learner session (a CLI review, the TUI). Every user action is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fsrs import Rating
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from studytool.config import Settings
from studytool.errors import StudytoolError
from studytool.srs import days, workload
from studytool.srs import settings_store as settings_rows
from studytool.srs.fsrs_bridge import (
    apply_fsrs,
    make_scheduler,
    restore,
    row_problem,
    snapshot,
    to_fsrs,
)
from studytool.srs.intervals import format_interval
from studytool.srs.memory import recall_now
from studytool.srs.reschedule import Rescheduled, reschedule
from studytool.srs.sync import (
    deck_fingerprint,
    learner_marks,
    stored_deck,
    stored_fingerprints,
    sync_deck,
    unchanged_plan,
)
from studytool.srs.views import CardView, DeckSummary, ReviewRow, Stats, TypedGrade
from studytool.srs.workload import studied_sample
from studytool.store import queries as q
from studytool.store.database import Database
from studytool.store.models import (
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    STATE_NAMES,
    CardRow,
    DeckRow,
    ReviewLogRow,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from studytool.deck import Deck, SyncPlan

# Like Anki's "learn ahead limit": when nothing else is due, learning cards due within this
# much are shown rather than making the learner wait a minute for the next step.
LEARN_AHEAD = timedelta(minutes=20)
_STATE_CODES = {name: code for code, name in STATE_NAMES.items()}


@dataclass(frozen=True)
class FlagChange:
    """A bury or a suspend, for undo: the card's (suspended, buried_until) before and after."""

    card_id: int
    before: tuple[bool, datetime | None]
    after: tuple[bool, datetime | None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StudyService:
    def __init__(self, db: Database, clock: Callable[[], datetime] | None = None,
                 tz: tzinfo | None = None, fuzz: bool = True) -> None:
        self.db = db
        self._clock = clock or _utc_now
        self.tz = tz  # None: the system's local zone
        self.fuzz = fuzz  # off in tests that assert intervals
        # What this service did, newest last: review_log ids, and the flags a bury or a
        # suspend changed (undo puts them back)
        self._undo_stack: list[int | FlagChange] = []
        self._settings: Settings | None = None

    # -- time -----------------------------------------------------------------------------
    def now(self) -> datetime:
        moment = self._clock()
        if moment.tzinfo is None:
            raise ValueError("the clock must return UTC-aware datetimes")
        return moment.astimezone(UTC)

    def _today(self, now: datetime) -> tuple[datetime, datetime]:
        hour = self.get_settings().day_starts_at_hour
        start = days.day_start(now, hour, self.tz)
        return start, days.next_day_start(now, hour, self.tz)

    # -- settings -------------------------------------------------------------------------
    def get_settings(self) -> Settings:
        if self._settings is None:
            with self.db.session(write=False) as session:
                self._settings = settings_rows.load_settings(session)
        return self._settings

    def save_settings(self, settings: Settings) -> Rescheduled | None:
        """Store the settings; a new desired retention reschedules the studied cards in the
        same transaction (what moved, and the workload before and after, is returned)."""
        with self.db.session() as session:
            old = settings_rows.load_settings(session)
            settings_rows.save_settings(session, settings)
            if settings.fsrs_parameters is None:  # saving never clears personal parameters
                settings = replace(settings, fsrs_parameters=old.fsrs_parameters)
            moved = None
            if settings.desired_retention != old.desired_retention:
                moved = reschedule(session, old, settings, self.now())
        self._settings = settings
        return moved

    # -- decks ----------------------------------------------------------------------------
    def sync_decks(self, decks: Iterable[Deck]) -> dict[str, SyncPlan]:
        """Store the given decks' content (when this learner may) and build this learner's
        cards for every deck of the database, one transaction per deck that changed.

        The stored fingerprints are read first: when no deck changed (every start of a
        command), nothing is written and no write lock is waited for. A deck in the database
        whose file is not given (a teacher added it, another learner imported it) is built
        from its stored content; so is every deck for a learner role on a class server,
        which may not change the shared content.
        """
        plans: dict[str, SyncPlan] = {}
        now = self.now()
        given = {deck.id: deck for deck in decks}
        with self.db.session(write=False) as session:
            stored = stored_fingerprints(session)
            marks = learner_marks(session)
        todo: list[str] = []
        for deck_id, deck in given.items():
            fingerprint = deck_fingerprint(deck)
            if stored.get(deck_id) == fingerprint and marks.get(deck_id) == fingerprint:
                plans[deck_id] = unchanged_plan(deck)
            elif self.db.writes_decks or deck_id not in stored:
                todo.append(deck_id)
        todo += [deck_id for deck_id, fingerprint in stored.items() if marks.get(deck_id)
                 != fingerprint and (deck_id not in given or not self.db.writes_decks)]
        for deck_id in todo:
            for attempt in (1, 2):
                try:
                    with self.db.session() as session:
                        plan = self._sync_one(session, given.get(deck_id), deck_id, now)
                    if plan is not None:
                        plans[deck_id] = plan
                    break
                except IntegrityError:
                    # PostgreSQL: another process created the same deck or cards a moment
                    # ago (SQLite serialises writers, so it never gets here). Once more, and
                    # the other process's work is seen.
                    if attempt == 2:
                        raise
        return plans

    def _sync_one(self, session: Session, deck: Deck | None, deck_id: str,
                  now: datetime) -> SyncPlan | None:
        if deck is not None and self.db.writes_decks:
            return sync_deck(session, deck, now)
        row = session.get(DeckRow, deck_id)
        stored = stored_deck(row) if row is not None else None
        if stored is None:
            return None  # not in the database yet (a learner role cannot add it)
        return sync_deck(session, stored, now, content=False)

    def deck_paths(self) -> list[Path]:
        """The deck files this database took in (`decks add`, `import-questions`)."""
        with self.db.session(write=False) as session:
            return [Path(p) for p in session.scalars(select(DeckRow.path).order_by(DeckRow.id))
                    if p]

    def deck_ids(self) -> list[str]:
        with self.db.session(write=False) as session:
            return list(session.scalars(select(DeckRow.id).order_by(DeckRow.id)))

    def deck_summaries(self) -> list[DeckSummary]:
        now = self.now()
        settings = self.get_settings()
        start, end = self._today(now)
        summaries = []
        with self.db.session(write=False) as session:
            reviews_started, new_by_deck = q.introduced_since(session, start)
            cap = max(0, settings.max_reviews_per_day - reviews_started
                      - sum(new_by_deck.values()))
            for deck in session.scalars(select(DeckRow).order_by(DeckRow.id)):
                ok = q.available(now, deck.id)
                learning = q.count_cards(session, CardRow.state.in_((LEARNING, RELEARNING)),
                                         CardRow.due < end, *ok)
                review = min(cap, q.count_cards(session, CardRow.state == REVIEW,
                                                CardRow.due < end, *ok))
                new_left = max(0, settings.new_per_day - new_by_deck.get(deck.id, 0))
                new = min(new_left, cap - review,
                          q.count_cards(session, CardRow.state == NEW, *ok))
                states = q.cards_by_state(session, deck.id)
                summaries.append(DeckSummary(
                    id=deck.id, title=deck.title, new=new, learning=learning, review=review,
                    due_today=new + learning + review,
                    reviewed_today=q.count_reviews(session, start, deck_id=deck.id),
                    total=sum(v for k, v in states.items() if k != "archived"),
                    suspended=states["suspended"]))
        return summaries

    # -- queue ----------------------------------------------------------------------------
    def queue(self, deck_id: str | None = None, limit: int | None = None) -> list[int]:
        """Today's queue as card ids: learning due now, reviews due today, then new cards.

        Review cards and newly introduced cards share "maximum reviews per day"; new cards
        are limited per deck by "new cards per day"; learning steps are never held back.
        """
        now = self.now()
        settings = self.get_settings()
        start, end = self._today(now)
        with self.db.session(write=False) as session:
            ids = q.learning_due(session, now, deck_id, now, limit)
            if limit is not None and len(ids) >= limit:
                return ids
            reviews_started, new_by_deck = q.introduced_since(session, start, deck_id)
            cap = max(0, settings.max_reviews_per_day - reviews_started
                      - sum(new_by_deck.values()))
            if limit is not None:
                cap = min(cap, limit - len(ids))
            reviews = q.reviews_due(session, end, deck_id, now, cap)
            ids += reviews
            cap -= len(reviews)
            for deck in q.deck_ids_with_new(session, deck_id):
                if cap <= 0:
                    break
                room = min(cap, settings.new_per_day - new_by_deck.get(deck, 0))
                if room > 0:
                    fresh = q.new_cards(session, deck, now, room)
                    ids += fresh
                    cap -= len(fresh)
            if not ids:
                ids = q.learning_due(session, now + LEARN_AHEAD, deck_id, now, limit)
            return ids

    def next_card(self, deck_id: str | None = None) -> CardView | None:
        ids = self.queue(deck_id, limit=1)
        return self.card(ids[0]) if ids else None

    def card(self, card_id: int) -> CardView:
        scheduler, now = make_scheduler(self.get_settings(), fuzz=False), self.now()
        with self.db.session(write=False) as session:
            row = self._get(session, card_id)
            return _view(row, recall_now(scheduler, row, now))

    # -- reviewing ------------------------------------------------------------------------
    def preview_intervals(self, card_id: int) -> dict[int, str]:
        """The next interval for each rating, unfuzzed, as Anki shows them: 1m 10m 1d 4d."""
        now = self.now()
        scheduler = make_scheduler(self.get_settings(), fuzz=False)
        with self.db.session(write=False) as session:
            card = to_fsrs(self._get(session, card_id))
        return {int(rating): format_interval(scheduler.review_card(card, rating, now)[0].due - now)
                for rating in Rating}

    def rate(self, card_id: int, rating: int, duration_ms: int | None = None,
             typed: TypedGrade | None = None) -> CardView:
        """Rate a card: its new state and the review log row commit together.

        typed: the grade of the answer the learner typed, stored with the review (the rating
        given may differ from the suggestion: the learner has the last word).
        """
        if rating not in (1, 2, 3, 4):
            raise StudytoolError(f"rating must be 1 (Again) to 4 (Easy), not {rating!r}")
        if typed is not None and (typed.suggested_rating not in (1, 2, 3, 4)
                                  or not 0.0 <= typed.score <= 1.0):
            raise StudytoolError("a typed answer's grade needs a score in [0, 1] and a "
                                 "suggested rating 1-4")
        return self.rate_many([card_id], rating, duration_ms, typed)[0]

    def rate_many(self, card_ids: list[int], rating: int, duration_ms: int | None = None,
                  typed: TypedGrade | None = None,
                  also: Callable[[Any], None] | None = None) -> list[CardView]:
        """Rate several cards alike in one transaction (an exercise that answers three
        questions); `also(session)` writes what goes with the reviews (the exercise's progress)
        in the same transaction. Each review can be undone like any other."""
        if rating not in (1, 2, 3, 4):
            raise StudytoolError(f"rating must be 1 (Again) to 4 (Easy), not {rating!r}")
        now = self.now()
        settings = self.get_settings()
        scheduler = make_scheduler(settings, fuzz=self.fuzz)
        views: list[CardView] = []
        logged: list[int] = []
        with self.db.session() as session:
            for card_id in card_ids:
                row = self._get(session, card_id, lock=True)
                before = snapshot(row)
                state_before = row.state
                card, _log = scheduler.review_card(to_fsrs(row), Rating(rating), now,
                                                   duration_ms)
                apply_fsrs(row, card)
                row.buried_until = None
                if rating == 1 and state_before == REVIEW and not row.leech:
                    _mark_leech(session, row, before, settings)
                log = ReviewLogRow(card_id=row.id, rating=rating, reviewed_at=now,
                                   duration_ms=duration_ms, state_before=state_before,
                                   card_before=before, state_after=row.state,
                                   due_after=row.due,
                                   grade_score=typed.score if typed else None,
                                   suggested_rating=typed.suggested_rating if typed else None,
                                   typed_answer=typed.answer if typed else None)
                session.add(log)
                session.flush()
                logged.append(log.id)
                views.append(_view(row))
            if also is not None:
                also(session)
        self._undo_stack.extend(logged)  # only once committed
        return views

    # -- cram -----------------------------------------------------------------------------
    def cram_queue(self, deck_id: str | None = None, tag: str | None = None,
                   limit: int | None = None) -> list[int]:
        """Studied cards (not new, suspended or archived) of the deck and tag given, lowest
        retrievability first (the ones most likely forgotten now), due date breaking ties."""
        if limit is not None and limit < 1:
            raise StudytoolError(f"the cram limit must be 1 or more, not {limit}")
        scheduler, now = make_scheduler(self.get_settings(), fuzz=False), self.now()
        conditions = [CardRow.archived.is_(False), CardRow.suspended.is_(False),
                      CardRow.state != NEW]
        if deck_id is not None:
            conditions.append(CardRow.deck_id == deck_id)
        with self.db.session(write=False) as session:
            rows = [row for row in session.scalars(select(CardRow).where(*conditions))
                    if tag is None or tag in row.tags]
            ranked = sorted(rows, key=lambda r: (recall_now(scheduler, r, now) or 0.0, r.due,
                                                 r.id))
        return [row.id for row in ranked][:limit]

    def cram_rate(self, card_id: int, rating: int, duration_ms: int | None = None) -> CardView:
        """A cram review: logged (flagged `cram`) and undoable, the card's schedule untouched."""
        if rating not in (1, 2, 3, 4):
            raise StudytoolError(f"rating must be 1 (Again) to 4 (Easy), not {rating!r}")
        now = self.now()
        with self.db.session() as session:
            row = self._get(session, card_id, lock=True)
            log = ReviewLogRow(card_id=row.id, rating=rating, reviewed_at=now,
                               duration_ms=duration_ms, state_before=row.state,
                               card_before=snapshot(row), state_after=row.state,
                               due_after=row.due, cram=True)
            session.add(log)
            session.flush()
            view = _view(row)
        self._undo_stack.append(log.id)
        return view

    def card_ids_for(self, question_ids: Iterable[str]) -> list[int]:
        """The live cards of these questions (any deck), in the order the questions are given."""
        wanted = list(question_ids)
        with self.db.session(write=False) as session:
            rows = session.execute(select(CardRow.id, CardRow.question_id).where(
                CardRow.question_id.in_(wanted), CardRow.archived.is_(False))).all()
        order = {qid: i for i, qid in enumerate(wanted)}
        return [row.id for row in sorted(rows, key=lambda r: order[r.question_id])]

    def undo(self) -> bool:
        """Undo this session's last review, bury or suspend: the card gets back the state
        saved with it (one transaction).

        Repeatable. False when there is nothing left to undo, or when the card has changed
        since (reviewed or flagged by another process), whose change would otherwise be lost.
        """
        while self._undo_stack:
            entry = self._undo_stack[-1]
            with self.db.session() as session:
                if isinstance(entry, FlagChange):
                    row = self._get(session, entry.card_id, lock=True)
                    if (row.suspended, row.buried_until) != entry.after:
                        return False
                    row.suspended, row.buried_until = entry.before
                else:
                    log = session.get(ReviewLogRow, entry)
                    if log is None:  # already gone (deleted elsewhere): try the one before
                        self._undo_stack.pop()
                        continue
                    latest = session.scalar(select(func.max(ReviewLogRow.id))
                                            .where(ReviewLogRow.card_id == log.card_id))
                    if latest != log.id:
                        return False
                    row = self._get(session, log.card_id, lock=True)
                    restore(row, log.card_before)
                    session.delete(log)
            self._undo_stack.pop()
            return True
        return False

    def last_undoable(self) -> CardView | None:
        """The card the next undo would restore (for showing it again)."""
        if not self._undo_stack:
            return None
        entry = self._undo_stack[-1]
        with self.db.session(write=False) as session:
            if isinstance(entry, FlagChange):
                return _view(self._get(session, entry.card_id))
            log = session.get(ReviewLogRow, entry)
            return _view(self._get(session, log.card_id)) if log else None

    def undoes_a_review(self) -> bool:
        """Whether the next undo takes back a review (not a bury or a suspend)."""
        return bool(self._undo_stack) and not isinstance(self._undo_stack[-1], FlagChange)

    def bury(self, card_id: int) -> datetime:
        """Hide a card until the learner's next day starts; returns that time (UTC)."""
        _start, end = self._today(self.now())
        self._set_flags(card_id, lambda row: setattr(row, "buried_until", end))
        return end

    def suspend(self, card_id: int) -> None:
        self._set_flags(card_id, lambda row: setattr(row, "suspended", True))

    def unsuspend(self, card_id: int) -> None:
        self._set_flags(card_id, lambda row: setattr(row, "suspended", False))

    def _set_flags(self, card_id: int, change: Callable[[CardRow], None]) -> None:
        """One transaction; undo can put the flags back as they were."""
        with self.db.session() as session:
            row = self._get(session, card_id, lock=True)
            before = (row.suspended, row.buried_until)
            change(row)
            after = (row.suspended, row.buried_until)
        self._undo_stack.append(FlagChange(card_id, before, after))  # only once committed

    # -- looking back ---------------------------------------------------------------------
    def stats(self) -> Stats:
        now = self.now()
        hour = self.get_settings().day_starts_at_hour
        past = days.day_starts(now, hour, range(-29, 2), self.tz)  # 30 days back, then today's end
        future = days.day_starts(now, hour, range(0, 31), self.tz)
        with self.db.session(write=False) as session:
            per_day = q.bucket_counts(session, ReviewLogRow.reviewed_at, past)
            recalled, total = q.retention(session, now - timedelta(days=30))
            scheduled = [CardRow.state != NEW, CardRow.archived.is_(False),
                         CardRow.suspended.is_(False)]
            # Today's bucket also takes everything overdue.
            forecast = q.bucket_counts(session, CardRow.due,
                                       [datetime(1970, 1, 1, tzinfo=UTC), *future[1:]],
                                       *scheduled)
            by_state = q.cards_by_state(session)
            studied, studied_count = studied_sample(session)
            leeches = list(session.scalars(
                select(CardRow.question_id).where(CardRow.leech.is_(True),
                                                  CardRow.archived.is_(False))
                .order_by(CardRow.deck_id, CardRow.position, CardRow.id)))
        labels = [days.learner_date(edge, hour, self.tz).isoformat() for edge in past[:-1]]
        ahead = [days.learner_date(edge, hour, self.tz).isoformat() for edge in future[:-1]]
        return Stats(
            reviews_today=per_day[-1], due_tomorrow=forecast[1],
            retention_30d=round(recalled / total, 4) if total else None, by_state=by_state,
            reviews_per_day=list(zip(labels, per_day, strict=True)),
            forecast_30d=list(zip(ahead, forecast, strict=True)), leeches=leeches,
            workload=workload.forecast(studied, make_scheduler(self.get_settings(), fuzz=False),
                                       now, studied_count),
        )

    def browse(self, query: str = "", deck: str | None = None, state: str | None = None,
               tag: str | None = None, suspended: bool | None = None) -> list[CardView]:
        """Cards (archived ones excluded) matching every filter given."""
        conditions: list[Any] = [CardRow.archived.is_(False)]
        if query:
            pattern = f"%{query.lower()}%"
            conditions.append(or_(func.lower(CardRow.question_id).like(pattern),
                                  func.lower(CardRow.text).like(pattern),
                                  func.lower(CardRow.answer).like(pattern)))
        if deck is not None:
            conditions.append(CardRow.deck_id == deck)
        if state is not None:
            if state not in _STATE_CODES:
                raise StudytoolError(f"unknown card state {state!r} "
                                     f"(one of {', '.join(_STATE_CODES)})")
            conditions.append(CardRow.state == _STATE_CODES[state])
        if suspended is not None:
            conditions.append(CardRow.suspended.is_(suspended))
        scheduler, now = make_scheduler(self.get_settings(), fuzz=False), self.now()
        with self.db.session(write=False) as session:
            rows = session.scalars(select(CardRow).where(*conditions)
                                   .order_by(CardRow.deck_id, CardRow.position, CardRow.id))
            views = [_view(row, recall_now(scheduler, row, now)) for row in rows]
        return [v for v in views if tag is None or tag in v.tags]

    def history(self, card_id: int) -> list[ReviewRow]:
        """The card's reviews, oldest first."""
        with self.db.session(write=False) as session:
            rows = session.scalars(select(ReviewLogRow).where(ReviewLogRow.card_id == card_id)
                                   .order_by(ReviewLogRow.id))
            return [ReviewRow(id=r.id, card_id=r.card_id, rating=r.rating,
                              reviewed_at=r.reviewed_at, duration_ms=r.duration_ms,
                              state_before=STATE_NAMES[r.state_before],
                              state_after=STATE_NAMES[r.state_after], due_after=r.due_after,
                              grade_score=r.grade_score, suggested_rating=r.suggested_rating,
                              typed_answer=r.typed_answer)
                    for r in rows]

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _get(session: Any, card_id: int, lock: bool = False) -> CardRow:
        row = session.get(CardRow, card_id, with_for_update=lock or None)
        if row is None:
            raise StudytoolError(f"no card with id {card_id}")
        return row


def _mark_leech(session: Any, row: CardRow, before: dict[str, Any], settings: Settings) -> None:
    """A lapse being rated: the card becomes a leech once it has lapsed `leech_threshold`
    times (this one included), in the rating's transaction. `before` (the log's saved
    state) says what undo takes back."""
    lapses = 1 + (session.scalar(select(func.count()).select_from(ReviewLogRow).where(
        ReviewLogRow.card_id == row.id, q.LAPSE)) or 0)
    if lapses < settings.leech_threshold:
        return
    row.leech = True
    if settings.leech_action == "suspend" and not row.suspended:
        row.suspended = True
        before["unsuspend"] = True


def _view(row: CardRow, recall: float | None = None) -> CardView:
    return CardView(
        card_id=row.id, deck_id=row.deck_id, question_id=row.question_id, text=row.text,
        answer=row.answer, mistake=row.mistake, answers=tuple(row.answers),
        tags=tuple(row.tags), state=STATE_NAMES[row.state], due=row.due,
        suspended=row.suspended, buried_until=row.buried_until, archived=row.archived,
        last_review=row.last_review, stability=row.stability, difficulty=row.difficulty,
        retrievability=recall, leech=row.leech, problem=row_problem(row))
