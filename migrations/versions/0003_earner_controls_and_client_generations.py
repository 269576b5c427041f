"""Earner's controls on credentials, and client secret generations

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(
            sa.Column("evidence_public", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("manage_token_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("clients") as batch:
        batch.add_column(
            sa.Column("secret_generation", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("secret_generation")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("manage_token_hash")
        batch.drop_column("hidden")
        batch.drop_column("evidence_public")
