"""Leeches: a card that lapsed `leech_threshold` times is flagged (False for every card there
is: none was counted before). Additive only.

Revision ID: 0005_leeches
Revises: 0004_review_grades
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_leeches"
down_revision: str | None = "0004_review_grades"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("leech", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("leech")
