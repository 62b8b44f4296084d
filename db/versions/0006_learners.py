"""Learners: every row of progress (cards' schedules, reviews, runs, settings, exercises) belongs
to a learner; the progress already there becomes the learner 'default', history intact.

Decks gain `content`, the questions as synced, so a learner on another machine builds cards
from the database and not from a file only the teacher has.

Revision ID: 0006_learners
Revises: 0005_leeches
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studytool.store.types import UTCDateTime

revision: str = "0006_learners"
down_revision: str | None = "0005_leeches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT = "default"
# Index name -> columns after the learner, as in store/models.py.
_INDEXES = {
    "cards": {
        "ix_cards_state_due": ["state", "due", "archived", "suspended", "buried_until"],
        "ix_cards_deck_state_due": ["deck_id", "state", "due", "archived", "suspended",
                                    "buried_until"],
        "ix_cards_deck_state_position": ["deck_id", "state", "position"],
        "ix_cards_flags_state": ["archived", "suspended", "state"],
    },
    "review_log": {"ix_review_log_reviewed_at": ["reviewed_at", "state_before", "rating",
                                                 "card_id"]},
    "runs": {"ix_runs_answer_id": ["answer", "id"]},
    "run_epochs": {},
}
# Tables whose key becomes (learner, old key): rebuilt, since SQLite cannot change a key.
_REKEYED = {"settings": "key", "exercise_progress": "name"}


def _learner_column(table: str, primary_key: bool = False) -> sa.Column[str]:
    key = sa.ForeignKey("learners.name", name=f"fk_{table}_learner")
    return sa.Column("learner", sa.String(63), key, nullable=False, server_default=DEFAULT,
                     primary_key=primary_key)


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
    )
    op.execute(sa.text("INSERT INTO learners (name) VALUES (:name)").bindparams(name=DEFAULT))
    with op.batch_alter_table("decks") as batch:
        batch.add_column(sa.Column("content", sa.JSON(), nullable=True))
    for table, indexes in _INDEXES.items():
        for name in indexes:
            op.drop_index(name, table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.add_column(_learner_column(table))
            if table == "cards":
                batch.drop_constraint("uq_cards_deck_question", type_="unique")
                batch.create_unique_constraint("uq_cards_learner_question",
                                               ["learner", "deck_id", "question_id"])
        for name, columns in indexes.items():
            op.create_index(name, table, ["learner", *columns])
    for table, key in _REKEYED.items():
        _rekey(table, key)


def _rekey(table: str, key: str) -> None:
    old = sa.Table(table, sa.MetaData(), autoload_with=op.get_bind())
    columns = [sa.Column(c.name, c.type, nullable=c.nullable, primary_key=c.name == key)
               for c in old.columns]
    op.create_table(f"{table}_new", _learner_column(table, primary_key=True), *columns)
    names = ", ".join(c.name for c in old.columns)
    op.execute(f"INSERT INTO {table}_new (learner, {names}) "  # noqa: S608 - fixed names
               f"SELECT '{DEFAULT}', {names} FROM {table}")
    op.drop_table(table)
    op.rename_table(f"{table}_new", table)


def downgrade() -> None:
    raise NotImplementedError("learners cannot be merged back into one: restore the backup "
                              "saved beside the database before this migration")
