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
    if op.get_bind().dialect.name == "sqlite":
        # A batch would recreate `issuers`, which other tables refer to: with data and
        # foreign keys on, that fails. SQLite adds a referencing column in place.
        op.execute("ALTER TABLE issuers ADD COLUMN parent_id CHAR(32) REFERENCES issuers (id)")
    else:
        op.add_column("issuers", sa.Column("parent_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            "fk_issuers_parent_id_issuers", "issuers", "issuers", ["parent_id"], ["id"]
        )
    op.create_index("ix_issuers_parent_id", "issuers", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_issuers_parent_id", "issuers")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_issuers_parent_id_issuers", "issuers", type_="foreignkey")
    op.drop_column("issuers", "parent_id")  # SQLite drops it in place, with its reference
