"""Signed documents as text, status lists signed on change, random status indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("signed_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
    # Credentials signed before this migration: the stored JSON is the best copy there is.
    op.execute("UPDATE credentials SET signed_json = CAST(document AS TEXT)")
    with op.batch_alter_table("credentials") as batch:
        batch.alter_column("signed_json", nullable=False)
        batch.drop_column("document")
    with op.batch_alter_table("status_lists") as batch:
        # NULL: a list made before this migration, signed once when first served.
        batch.add_column(sa.Column("signed_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_column("next_index")
    op.execute("UPDATE status_lists SET signed_at = created_at")
    with op.batch_alter_table("status_lists") as batch:
        batch.alter_column("signed_at", nullable=False)
        batch.alter_column("version", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("status_lists") as batch:
        batch.add_column(sa.Column("next_index", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_column("signed_at")
        batch.drop_column("version")
        batch.drop_column("signed_json")
    # Indexes were random: the next sequential one is past the highest taken.
    op.execute(
        "UPDATE status_lists SET next_index = COALESCE((SELECT MAX(status_index) + 1 FROM"
        " credentials WHERE credentials.status_list_id = status_lists.id), 0)"
    )
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("document", JSON_DOCUMENT, nullable=True))
    json_type = "JSONB" if op.get_bind().dialect.name == "postgresql" else "JSON"
    op.execute(f"UPDATE credentials SET document = CAST(signed_json AS {json_type})")  # noqa: S608
    with op.batch_alter_table("credentials") as batch:
        batch.alter_column("document", nullable=False)
        batch.drop_column("status_changed_at")
        batch.drop_column("status_reason")
        batch.drop_column("signed_json")
