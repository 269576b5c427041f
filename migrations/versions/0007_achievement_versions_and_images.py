"""Achievement versions (credentials keep the definition they were issued under), archiving,
English prompt texts, the prompt text each answer was given under, and uploaded images

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("achievements") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("prompts") as batch:
        batch.add_column(sa.Column("text_en", sa.Text(), nullable=True))
    with op.batch_alter_table("completions") as batch:
        batch.add_column(
            sa.Column("achievement_version", sa.Integer(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("prompt_text", sa.Text(), nullable=True))
    # Every answer so far was given under version 1, whose prompts are the current ones.
    op.execute(
        "UPDATE evidence SET prompt_text = (SELECT prompts.text FROM prompts JOIN completions"
        " ON completions.achievement_id = prompts.achievement_id"
        " WHERE completions.id = evidence.completion_id AND prompts.key = evidence.prompt_key)"
    )
    op.create_table(
        "achievement_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("achievement_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name="fk_achievement_versions_achievement_id_achievements",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_achievement_versions"),
        sa.UniqueConstraint(
            "achievement_id", "version", name="uq_achievement_versions_achievement_id_version"
        ),
    )
    op.create_table(
        "images",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=50), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_images"),
    )


def downgrade() -> None:
    op.drop_table("images")
    op.drop_table("achievement_versions")
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch would recreate completions and
    # achievements, which other tables' foreign keys refer to.
    op.drop_column("evidence", "prompt_text")
    op.drop_column("completions", "achievement_version")
    op.drop_column("prompts", "text_en")
    op.drop_column("achievements", "archived_at")
    op.drop_column("achievements", "version")
