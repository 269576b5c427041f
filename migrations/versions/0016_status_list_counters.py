"""Status indexes from a per-list counter and a keyed permutation: no list is ever scanned

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-06 20:30:00

Each list counts the indexes it handed out (`allocated`) and holds the key of the permutation
that turns the counter into a random-looking index (`slot_key`). Lists made before this
revision took their indexes by sampling; they take no more (their counter is set full), so an
issuer's next completion starts a new list.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place on SQLite (ALTER TABLE … ADD/DROP COLUMN): a batch would recreate a table that
    # credentials refer to.
    op.add_column(
        "status_lists", sa.Column("allocated", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("status_lists", sa.Column("slot_key", sa.String(length=32), nullable=True))
    op.execute("UPDATE status_lists SET allocated = size")


def downgrade() -> None:
    op.drop_column("status_lists", "slot_key")
    op.drop_column("status_lists", "allocated")
