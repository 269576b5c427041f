"""Track names and track levels belong to their issuer: uniqueness includes the issuer

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 17:30:00

Existing rows already satisfy the new constraints (they are looser than the old ones), so no
row changes; what changes is their meaning: an achievement that named another issuer's track
is from now on a level of its own issuer's track of that name.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with _foreign_keys_off_on_sqlite(), op.batch_alter_table("achievements") as batch:
        batch.drop_constraint("uq_achievements_track_level", type_="unique")
        batch.create_unique_constraint(
            "uq_achievements_issuer_id_track_level", ["issuer_id", "track", "level"]
        )
    with op.batch_alter_table("tracks") as batch:
        batch.drop_constraint("uq_tracks_name", type_="unique")
        batch.create_unique_constraint("uq_tracks_issuer_id_name", ["issuer_id", "name"])


def downgrade() -> None:
    """Fails, changing nothing, once two issuers share a track name or a level of one."""
    with op.batch_alter_table("tracks") as batch:
        batch.drop_constraint("uq_tracks_issuer_id_name", type_="unique")
        batch.create_unique_constraint("uq_tracks_name", ["name"])
    with _foreign_keys_off_on_sqlite(), op.batch_alter_table("achievements") as batch:
        batch.drop_constraint("uq_achievements_issuer_id_track_level", type_="unique")
        batch.create_unique_constraint("uq_achievements_track_level", ["track", "level"])


@contextmanager
def _foreign_keys_off_on_sqlite() -> Iterator[None]:
    """SQLite changes a constraint by copying the table; other tables refer to `achievements`.

    With foreign keys on, dropping the old copy fails, and the pragma that turns them off is
    ignored inside a transaction: so the work so far is committed, the copy made in a
    transaction of its own with foreign keys off and checked, and foreign keys turned back on.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the copy: {broken[:5]}")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")
        raise
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=ON")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
