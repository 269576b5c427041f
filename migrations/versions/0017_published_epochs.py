"""Each issuer's published epoch: bumped, in the same transaction, by any change to what it publishes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:10:00

An issuer's DID document is made from its keys, and its status list credentials are stored
signed. Triggers bump `issuers.published_epoch` whenever a key is added, changed or removed,
and whenever a list is added, re-signed or removed, in the statement (so the transaction)
that makes the change. A verifier that reads the epoch first may then reuse documents it
built at that epoch: a document read after the epoch is never older than it. Only the
issuer's own row is bumped: no tenant's change locks another's. Handing out a status index
(`allocated`) changes no published document and bumps nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, trigger event, the row naming the issuer) for each trigger.
_EVENTS = (
    ("issuer_keys", "INSERT", "NEW"),
    ("issuer_keys", "UPDATE", "NEW"),
    ("issuer_keys", "DELETE", "OLD"),
    ("status_lists", "INSERT", "NEW"),
    ("status_lists", "UPDATE OF signed_json, version", "NEW"),
    ("status_lists", "DELETE", "OLD"),
)
_BUMP = "UPDATE issuers SET published_epoch = published_epoch + 1 WHERE id = {row}.issuer_id"


def _name(table: str, event: str) -> str:
    return f"{table}_bump_published_epoch_{event.split()[0].lower()}"


def upgrade() -> None:
    op.add_column(
        "issuers",
        sa.Column("published_epoch", sa.BigInteger(), server_default="0", nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        for row in ("NEW", "OLD"):
            op.execute(
                f"CREATE FUNCTION bump_published_epoch_{row.lower()}() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN {_BUMP.format(row=row)}; RETURN NULL; END $$"
            )
        for table, event, row in _EVENTS:
            op.execute(
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION bump_published_epoch_{row.lower()}()"
            )
    else:
        for table, event, row in _EVENTS:
            op.execute(
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {_BUMP.format(row=row)}; END"
            )


def downgrade() -> None:
    for table, event, _ in _EVENTS:
        op.execute(
            f"DROP TRIGGER {_name(table, event)}"
            + (f" ON {table}" if op.get_bind().dialect.name == "postgresql" else "")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION bump_published_epoch_new()")
        op.execute("DROP FUNCTION bump_published_epoch_old()")
    op.drop_column("issuers", "published_epoch")
