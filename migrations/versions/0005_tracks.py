"""Training tracks (ordered levels, a level may require the one below); audit events by issuer

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("issuer_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("requires_previous_level", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"], name="fk_tracks_issuer_id_issuers"),
        sa.PrimaryKeyConstraint("id", name="pk_tracks"),
        sa.UniqueConstraint("name", name="uq_tracks_name"),
        sa.UniqueConstraint("slug", name="uq_tracks_slug"),
    )
    op.create_index("ix_tracks_issuer_id", "tracks", ["issuer_id"])
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("issuer", sa.String(length=100), nullable=True))
        batch.create_index("ix_audit_events_issuer", ["issuer"])


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index("ix_audit_events_issuer")
        batch.drop_column("issuer")
    op.drop_table("tracks")
