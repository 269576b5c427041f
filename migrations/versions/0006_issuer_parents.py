"""Issuers may belong to a parent organisation (OB 3.0 Profile ``parentOrg``)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("issuers") as batch:
        batch.add_column(sa.Column("parent_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key("fk_issuers_parent_id_issuers", "issuers", ["parent_id"], ["id"])
        batch.create_index("ix_issuers_parent_id", ["parent_id"])


def downgrade() -> None:
    with op.batch_alter_table("issuers") as batch:
        batch.drop_index("ix_issuers_parent_id")
        batch.drop_constraint("fk_issuers_parent_id_issuers", type_="foreignkey")
        batch.drop_column("parent_id")
