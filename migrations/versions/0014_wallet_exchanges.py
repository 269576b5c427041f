"""Wallet exchanges: single-use offers of a credential to a wallet (VC-API and OID4VCI)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wallet_exchanges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("reference_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("challenge", sa.String(length=100), nullable=True),
        sa.Column("access_token_hash", sa.String(length=64), nullable=True),
        sa.Column("protocol", sa.String(length=20), nullable=True),
        sa.Column("holder", sa.String(length=500), nullable=True),
        sa.Column("notification_id", sa.String(length=64), nullable=True),
        sa.Column("notified", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name="fk_wallet_exchanges_credential_id_credentials",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_exchanges"),
        sa.UniqueConstraint("reference_hash", name="uq_wallet_exchanges_reference_hash"),
        sa.UniqueConstraint("code_hash", name="uq_wallet_exchanges_code_hash"),
        sa.UniqueConstraint("access_token_hash", name="uq_wallet_exchanges_access_token_hash"),
    )
    op.create_index(
        "ix_wallet_exchanges_credential_id", "wallet_exchanges", ["credential_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_wallet_exchanges_credential_id", table_name="wallet_exchanges")
    op.drop_table("wallet_exchanges")
