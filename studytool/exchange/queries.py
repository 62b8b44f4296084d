"""The store reads the exporters need, streamed in a stable order that does not depend on
database ids (so an import into an empty database exports the same document).

Rows come in batches (`yield_per`: SQLite steps its cursor, PostgreSQL uses a server-side
cursor), so memory stays flat however long the review log is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Text, case, cast, func, select
from sqlalchemy.orm import Session

from studytool.exchange import timefmt
from studytool.exchange.document import CARD_COLUMNS
from studytool.store.models import REVIEW, CardRow, DeckRow, ReviewLogRow, RunRow
from studytool.store.queries import LAPSE, SCHEDULED
from studytool.store.scoping import restrict

BATCH = 5000

Converter = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def ms_column(session: Session, column: Any) -> tuple[Any, Converter]:
    """A time column as (expression, to-milliseconds converter): on SQLite the text the store
    wrote (naive UTC) converts inside SQLite, as converting a million datetimes in Python
    would take a good part of the export's time budget."""
    if _is_sqlite(session):
        text = cast(column, Text)
        seconds = cast(func.strftime("%s", text), Integer)
        return seconds * 1000 + cast(func.substr(text, 21, 3), Integer), _same
    return column, timefmt.ms


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def stored_as_text(session: Session) -> bool:
    """Whether `stream_plain` rows hold the store's raw SQLite values (times as text)."""
    return _is_sqlite(session)


def stream(session: Session, query: Any) -> Iterator[Any]:
    # Core rows on the session's connection: no ORM per-row work. yield_per streams (a
    # server-side cursor on PostgreSQL; SQLite's cursor steps through the rows anyway).
    query = restrict(session, query)
    yield from session.connection().execute(query, execution_options={"yield_per": BATCH})


def stream_plain(session: Session, query: Any) -> Iterator[tuple[Any, ...]]:
    """Like `stream` for queries of numbers and text only: on SQLite the statement runs on
    the session's own sqlite3 connection (same transaction), skipping SQLAlchemy's per-row
    result objects, which cost more than the query itself at a million rows."""
    for batch in batches(session, query):
        yield from batch


def batches(session: Session, query: Any, size: int = 1000) -> Iterator[list[Any]]:
    """The rows of `stream_plain` a list at a time, for loops that format a million rows:
    one step per thousand rows instead of a generator step per row."""
    query = restrict(session, query)
    if not _is_sqlite(session):
        result = session.connection().execute(query, execution_options={"yield_per": size})
        for partition in result.partitions(size):
            yield list(partition)
        return
    connection = session.connection()
    sql = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
    driver: Any = connection.connection.driver_connection  # the sqlite3.Connection
    cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def decks(session: Session) -> list[DeckRow]:
    return list(session.scalars(select(DeckRow).order_by(DeckRow.id)))


def card_rows(session: Session) -> Iterator[list[tuple[Any, ...]]]:
    """Every card's CARD_COLUMNS (`document`) and its id, by deck and question id, in
    `batches`, as the store holds them: on SQLite (`stored_as_text`) times as its UTC text,
    `answers` and `tags` as their JSON text and the flags as 0/1; elsewhere datetimes, lists
    and booleans."""
    columns = [getattr(CardRow, name) for name in CARD_COLUMNS]
    if stored_as_text(session):
        columns = [cast(c, Text) if c.key in ("answers", "tags") else c for c in columns]
    columns.append(CardRow.id)
    query = select(*columns).order_by(CardRow.deck_id, CardRow.question_id)
    yield from batches(session, query)


def card_keys(session: Session) -> dict[int, tuple[str, str]]:
    """card id -> (deck id, question id): grows with the cards, not with the reviews."""
    query = select(CardRow.id, CardRow.deck_id, CardRow.question_id)
    return {card_id: (deck, question) for card_id, deck, question in session.execute(query)}


def review_rows(session: Session) -> Iterator[list[tuple[Any, ...]]]:
    """(card_id, reviewed_at, rating, duration_ms, state_before, card_before JSON text,
    state_after, due_after, grade_score, suggested_rating, typed_answer, cram) for every
    review in
    `batches`, in the order they were recorded; the times as in `card_rows` (SQLite's text,
    else datetimes).

    The id order is a plain scan (ordering by card and time through a join was more than
    twice as slow at a million rows), and an import inserts in file order, so an import into
    an empty database exports the same order. `card_before` comes as the JSON text the store
    wrote, copied into the export without decoding and encoding a million small objects.
    """
    query = (select(ReviewLogRow.card_id, ReviewLogRow.reviewed_at, ReviewLogRow.rating,
                    ReviewLogRow.duration_ms, ReviewLogRow.state_before,
                    cast(ReviewLogRow.card_before, Text), ReviewLogRow.state_after,
                    ReviewLogRow.due_after, ReviewLogRow.grade_score,
                    ReviewLogRow.suggested_rating, ReviewLogRow.typed_answer,
                    ReviewLogRow.cram)
             .order_by(ReviewLogRow.id))
    yield from batches(session, query)


def review_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ReviewLogRow)) or 0


def optimizer_rows(session: Session) -> Iterator[tuple[Any, ...]]:
    """(card_id, review_time_ms, rating, state_before, duration_ms) in recorded order, for
    the optimizers: scheduled reviews only (a cram review would teach them a due date that
    was never kept)."""
    at, to_ms = ms_column(session, ReviewLogRow.reviewed_at)
    query = (select(ReviewLogRow.card_id, at, ReviewLogRow.rating, ReviewLogRow.state_before,
                    ReviewLogRow.duration_ms).where(SCHEDULED).order_by(ReviewLogRow.id))
    if to_ms is _same:
        yield from stream_plain(session, query)
        return
    for card_id, when, rating, state, duration in stream(session, query):
        yield card_id, to_ms(when), rating, state, duration


def runs(session: Session) -> list[RunRow]:
    # Oldest first; the id breaks ties, and an import inserts in this order, so it is stable.
    query = select(RunRow).order_by(RunRow.started_at.is_(None).desc(), RunRow.started_at,
                                    RunRow.answer, RunRow.id)
    return list(session.scalars(query))


def retention_by_deck(session: Session, since: datetime) -> dict[str, tuple[int, int]]:
    """deck id -> (recalled, total) over reviews of Review-state cards since `since`."""
    recalled = func.sum(case((ReviewLogRow.rating > 1, 1), else_=0))
    query = (select(CardRow.deck_id, func.count(), recalled)
             .join(CardRow, CardRow.id == ReviewLogRow.card_id)
             .where(ReviewLogRow.reviewed_at >= since, ReviewLogRow.state_before == REVIEW)
             .group_by(CardRow.deck_id))
    return {deck: (int(good or 0), int(total)) for deck, total, good in session.execute(query)}


def hardest_cards(session: Session, deck_id: str, limit: int = 10) -> list[tuple[str, str,
                                                                                int, int]]:
    """(question_id, text, lapses, again) for the deck's cards with the most Again ratings.

    A lapse is an Again on a card in the Review state (it goes back to relearning); every
    Again counts in `again`. Cards never rated Again are left out.
    """
    again = func.sum(case((ReviewLogRow.rating == 1, 1), else_=0))
    lapses = func.sum(case((LAPSE, 1), else_=0))
    query = (select(CardRow.question_id, CardRow.text, lapses, again)
             .join(ReviewLogRow, ReviewLogRow.card_id == CardRow.id)
             .where(CardRow.deck_id == deck_id)
             .group_by(CardRow.id, CardRow.question_id, CardRow.text)
             .having(again > 0)
             .order_by(lapses.desc(), again.desc(), CardRow.question_id).limit(limit))
    return [(q, text, int(lap), int(ag)) for q, text, lap, ag in session.execute(query)]


def latest_runs(session: Session) -> list[RunRow]:
    """The newest stored run of each answer, by answer name."""
    newest = select(func.max(RunRow.id)).group_by(RunRow.answer)
    return list(session.scalars(select(RunRow).where(RunRow.id.in_(newest))
                                .order_by(RunRow.answer)))


def days_ago(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
