"""Continuing-education hours of achievements and completions; signed transcripts

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: achievements and completions from before state no hours (the badges never did).
    with op.batch_alter_table("achievements") as batch:
        batch.add_column(sa.Column("hours", sa.Float(), nullable=True))
    with op.batch_alter_table("completions") as batch:
        batch.add_column(sa.Column("hours", sa.Float(), nullable=True))
    op.create_table(
        "transcripts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("signed_json", sa.Text(), nullable=False),
        sa.Column("jwt", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name="fk_transcripts_learner_id_learners"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_transcripts"),
        sa.UniqueConstraint("key", name="uq_transcripts_key"),
    )
    op.create_index("ix_transcripts_learner_id", "transcripts", ["learner_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_transcripts_learner_id", table_name="transcripts")
    op.drop_table("transcripts")
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch would recreate completions and
    # achievements, which other tables' foreign keys refer to.
    op.drop_column("completions", "hours")
    op.drop_column("achievements", "hours")
