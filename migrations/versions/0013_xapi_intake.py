"""xAPI intake: platforms' mappings, the e-mails of their account actors, held statements

Revision ID: 0013
Revises: 0007
Create Date: 2026-12-06 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "xapi_mappings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("achievement_id", sa.Uuid(), nullable=False),
        sa.Column("completed_activity", sa.String(length=2000), nullable=False),
        sa.Column("answers", JSON_DOCUMENT, nullable=False),
        sa.Column("share_reflections", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name="fk_xapi_mappings_achievement_id_achievements",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_xapi_mappings_client_id_clients"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_xapi_mappings"),
        sa.UniqueConstraint(
            "client_id", "completed_activity", name="uq_xapi_mappings_client_id_completed_activity"
        ),
    )
    op.create_index("ix_xapi_mappings_client_id", "xapi_mappings", ["client_id"])
    op.create_table(
        "xapi_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("home_page", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_xapi_accounts_client_id_clients"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_xapi_accounts"),
        sa.UniqueConstraint(
            "client_id", "home_page", "name", name="uq_xapi_accounts_client_id_home_page_name"
        ),
    )
    op.create_table(
        "xapi_statements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("verb", sa.String(length=20), nullable=True),
        sa.Column("activity", sa.String(length=2000), nullable=True),
        sa.Column("actor", sa.String(length=900), nullable=True),
        sa.Column("actor_name", sa.String(length=300), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_xapi_statements_client_id_clients"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_xapi_statements"),
        sa.UniqueConstraint(
            "client_id", "statement_id", name="uq_xapi_statements_client_id_statement_id"
        ),
    )
    op.create_index("ix_xapi_statements_actor", "xapi_statements", ["actor"])


def downgrade() -> None:
    op.drop_table("xapi_statements")
    op.drop_table("xapi_accounts")
    op.drop_table("xapi_mappings")
