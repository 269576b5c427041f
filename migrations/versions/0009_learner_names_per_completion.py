"""A learner's name is each completion's, as its platform gave it: no tenant renames a learner
for another

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 17:40:00

The one name a learner had (the last platform's) becomes the name of each of its completions;
the signed credentials keep the names they were issued with.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FROM_LEARNER = (
    "UPDATE completions SET learner_name = (SELECT learners.name FROM learners"
    " WHERE learners.id = completions.learner_id)"
)
_FROM_NEWEST_COMPLETION = (
    "UPDATE learners SET name = COALESCE((SELECT completions.learner_name FROM completions"
    " WHERE completions.learner_id = learners.id"
    " ORDER BY completions.created_at DESC LIMIT 1), '')"
)


def upgrade() -> None:
    # In place on SQLite (ALTER TABLE … ADD/DROP COLUMN): a batch would recreate tables that
    # others refer to.
    op.add_column(
        "completions",
        sa.Column("learner_name", sa.String(length=300), server_default="", nullable=False),
    )
    op.execute(_FROM_LEARNER)
    op.drop_column("learners", "name")


def downgrade() -> None:
    op.add_column(
        "learners", sa.Column("name", sa.String(length=300), server_default="", nullable=False)
    )
    op.execute(_FROM_NEWEST_COMPLETION)
    op.drop_column("completions", "learner_name")
