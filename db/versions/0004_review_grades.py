"""Typed-answer grades on the review log: the grader's score, its suggested rating and the
answer the learner typed (all nullable: a review without typing has none). Additive only."""

import sqlalchemy as sa
from alembic import op

revision: str = "0004_review_grades"
down_revision: str | None = "0003"


def upgrade() -> None:
    with op.batch_alter_table("review_log") as batch:
        batch.add_column(sa.Column("grade_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("suggested_rating", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("typed_answer", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_log") as batch:
        batch.drop_column("typed_answer")
        batch.drop_column("suggested_rating")
        batch.drop_column("grade_score")
