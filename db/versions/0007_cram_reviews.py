"""Cram reviews: a review made in cram mode (`review --cram`) is logged with `cram` true; it
changed no schedule, so the optimizer, the retention statistics, leech counting and the
exports that feed optimizers leave it out. Every review there is was a scheduled one (false).
The covering index of the "since" counts takes the flag too, so they still read only the index.

Revision ID: 0007_cram_reviews
Revises: 0006_learners
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007_cram_reviews"
down_revision: str | None = "0006_learners"

_INDEX = "ix_review_log_reviewed_at"
_COLUMNS = ["learner", "reviewed_at", "state_before", "rating", "card_id"]


def upgrade() -> None:
    with op.batch_alter_table("review_log") as batch:
        batch.add_column(sa.Column("cram", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.drop_index(_INDEX, table_name="review_log")
    op.create_index(_INDEX, "review_log", [*_COLUMNS, "cram"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="review_log")
    op.create_index(_INDEX, "review_log", _COLUMNS)
    with op.batch_alter_table("review_log") as batch:
        batch.drop_column("cram")
