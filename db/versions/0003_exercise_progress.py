"""Learner exercise progress: done, attempts, hints shown (studytool.exercises.progress)."""

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    op.create_table(
        "exercise_progress",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("hints_shown", sa.Integer(), nullable=False),
        sa.Column("last_passed", sa.Boolean(), nullable=True),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("exercise_progress")
