"""Leeches: a card that lapsed `leech_threshold` times is flagged (False for every card there
is: none was counted before). Additive only."""

import sqlalchemy as sa
from alembic import op

revision: str = "0005_leeches"
down_revision: str | None = "0004_review_grades"


def upgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("leech", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("leech")
