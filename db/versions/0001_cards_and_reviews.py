"""Decks, cards with their FSRS state, the review log and settings."""

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None

# Migrations spell out their column types instead of importing the models, so later model
# changes never rewrite history. UTC times: `timestamp with time zone` (naive UTC on SQLite).
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decks",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("deck_id", sa.String(100), sa.ForeignKey("decks.id"), nullable=False),
        sa.Column("question_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("mistake", sa.Text(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("section", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", UTC, nullable=False),
        sa.Column("last_review", UTC, nullable=True),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("buried_until", UTC, nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("deck_id", "question_id", name="uq_cards_deck_question"),
    )
    # Trailing flag columns make the queue/forecast indexes covering (see store/queries.py).
    op.create_index("ix_cards_state_due", "cards",
                    ["state", "due", "archived", "suspended", "buried_until"])
    op.create_index("ix_cards_deck_state_due", "cards",
                    ["deck_id", "state", "due", "archived", "suspended", "buried_until"])
    op.create_index("ix_cards_deck_state_position", "cards", ["deck_id", "state", "position"])
    op.create_index("ix_cards_flags_state", "cards", ["archived", "suspended", "state"])
    op.create_table(
        "review_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("card_id", sa.Integer(), sa.ForeignKey("cards.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", UTC, nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("state_before", sa.Integer(), nullable=False),
        sa.Column("card_before", sa.JSON(), nullable=False),
        sa.Column("state_after", sa.Integer(), nullable=False),
        sa.Column("due_after", UTC, nullable=False),
    )
    op.create_index("ix_review_log_reviewed_at", "review_log",
                    ["reviewed_at", "state_before", "rating", "card_id"])
    op.create_index("ix_review_log_card", "review_log", ["card_id", "id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_table("review_log")
    op.drop_table("cards")
    op.drop_table("decks")
