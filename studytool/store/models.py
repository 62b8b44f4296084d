"""The store's tables as SQLAlchemy 2.0 typed models.

Card states: 0 is New (never reviewed); 1, 2, 3 are fsrs.State Learning, Review, Relearning.
fsrs has no New state (a new card is Learning step 0); keeping it apart makes "new cards per
day" and the state counts one indexed column away.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from studytool.learner_name import DEFAULT_LEARNER, LEARNER_NAME_LENGTH
from studytool.store.types import UTCDateTime

NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
STATE_NAMES = {NEW: "new", LEARNING: "learning", REVIEW: "review", RELEARNING: "relearning"}


class Base(DeclarativeBase):
    pass




LEARNER_KEY = "studytool_learner"


def _stamp_learner(context: Any) -> str | None:
    # The session that runs the INSERT put its learner on the connection (store.scoping), so
    # every row it writes, by the ORM or by a bulk insert, belongs to that learner.
    return context.connection.info.get(LEARNER_KEY)  # type: ignore[no-any-return]


def _learner_column(table: str, primary_key: bool = False) -> Mapped[str]:
    """The learner a row of `table` belongs to, stamped from the writing session."""
    return mapped_column(String(LEARNER_NAME_LENGTH),
                         ForeignKey("learners.name", name=f"fk_{table}_learner"),
                         primary_key=primary_key, default=_stamp_learner,
                         server_default=DEFAULT_LEARNER)


class LearnerOwned:
    """A table whose rows belong to one learner: progress, never content (migration 0006).

    Sessions of a learner's `Database` see and change only that learner's rows (store.scoping);
    on a class server PostgreSQL enforces the same with row-level security (store.classroom).
    """

    @declared_attr
    def learner(cls) -> Mapped[str]:
        return _learner_column(cls.__tablename__)  # type: ignore[attr-defined]


class LearnerRow(Base):
    """Someone who studies here. On PostgreSQL class servers the name is also a role's."""

    __tablename__ = "learners"

    name: Mapped[str] = mapped_column(String(LEARNER_NAME_LENGTH), primary_key=True)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeckRow(Base):
    __tablename__ = "decks"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(Text, default="")
    # Hash of every question's fingerprint: sync skips a deck whose files did not change.
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    # The questions as last synced (srs.sync): the one copy of the deck's content every
    # learner's cards are built from, wherever the learner's machine is (migration 0006).
    content: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)


class CardRow(LearnerOwned, Base):
    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("learner", "deck_id", "question_id", name="uq_cards_learner_question"),
        # Every query names the learner first. The flags trail the keys so the queue and
        # forecast queries never touch the table rows (SQLite has no INCLUDE; extra key
        # columns make the index covering).
        Index("ix_cards_state_due", "learner", "state", "due", "archived", "suspended",
              "buried_until"),
        Index("ix_cards_deck_state_due", "learner", "deck_id", "state", "due", "archived",
              "suspended", "buried_until"),
        Index("ix_cards_deck_state_position", "learner", "deck_id", "state", "position"),
        Index("ix_cards_flags_state", "learner", "archived", "suspended", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deck_id: Mapped[str] = mapped_column(ForeignKey("decks.id"))
    question_id: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the deck file
    text: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    mistake: Mapped[str | None] = mapped_column(Text, nullable=True)
    answers: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    section: Mapped[str | None] = mapped_column(Text, nullable=True)
    kind: Mapped[str] = mapped_column(String(50), default="")
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    # FSRS state
    state: Mapped[int] = mapped_column(Integer, default=NEW)
    step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Flags
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    buried_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lapsed `leech_threshold` times (migration 0005)
    leech: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReviewLogRow(LearnerOwned, Base):
    __tablename__ = "review_log"
    __table_args__ = (
        # Covering for every "since" count: per day, retention, today's introductions.
        Index("ix_review_log_reviewed_at", "learner", "reviewed_at", "state_before", "rating",
              "card_id", "cram"),
        Index("ix_review_log_card", "card_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state_before: Mapped[int] = mapped_column(Integer)
    # The card's scheduling fields before the review, so undo restores them exactly.
    card_before: Mapped[dict[str, Any]] = mapped_column(JSON)
    state_after: Mapped[int] = mapped_column(Integer)
    due_after: Mapped[datetime] = mapped_column(UTCDateTime)
    # A typed answer's grade (studytool.grading), when the learner typed one (migration 0004).
    grade_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    suggested_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    typed_answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A cram review (migration 0007): it changed no schedule, so what fits or measures the
    # schedule (optimize, retention, lapses, the optimizers' exports) leaves it out.
    cram: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RunRow(LearnerOwned, Base):
    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_answer_id", "learner", "answer", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    device: Mapped[str] = mapped_column(String(50))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    final: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    torch_version: Mapped[str] = mapped_column(String(50), default="")
    output: Mapped[str] = mapped_column(Text, default="")
    stderr_tail: Mapped[str] = mapped_column(Text, default="")
    epochs: Mapped[list[RunEpochRow]] = relationship(
        back_populates="run", order_by="RunEpochRow.epoch", cascade="all, delete-orphan")


class RunEpochRow(LearnerOwned, Base):
    __tablename__ = "run_epochs"
    __table_args__ = (Index("ix_run_epochs_run", "run_id", "epoch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    epoch: Mapped[int] = mapped_column(Integer)
    train_loss: Mapped[float | None] = mapped_column(Float, nullable=True)
    valid_loss: Mapped[float | None] = mapped_column(Float, nullable=True)
    accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    run: Mapped[RunRow] = relationship(back_populates="epochs")


class SettingRow(LearnerOwned, Base):
    """One learner setting per row (key -> JSON value), so new settings need no migration."""

    __tablename__ = "settings"

    learner: Mapped[str] = _learner_column("settings", primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class ExerciseProgressRow(LearnerOwned, Base):
    """One exercise the learner has touched (studytool.exercises.progress reads and writes)."""

    __tablename__ = "exercise_progress"

    learner: Mapped[str] = _learner_column("exercise_progress", primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    done: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    hints_shown: Mapped[int] = mapped_column(Integer)
    last_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    last_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
