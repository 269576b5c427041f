"""Migration 0016 on data: lists that sampled their indexes take no more, and come back."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from service.db.tables import IssuerRecord, StatusListRecord
from tests.service.achievements.test_migration import _migrate
from tests.service.conftest import ScratchDatabase

NOW = datetime(2026, 12, 6, tzinfo=UTC)
BEFORE_COUNTERS = "0013"


def _list_before_counters(connection: Connection) -> None:
    """An issuer's list, written with only the columns the schema had before 0016."""
    issuer = uuid.uuid4()
    connection.execute(
        insert(IssuerRecord.__table__).values(  # type: ignore[arg-type]
            id=issuer, slug="i", name="I", url="https://i.example", email="a@i.example",
            created_at=NOW,
        )
    )  # fmt: skip
    connection.execute(
        insert(StatusListRecord.__table__).values(  # type: ignore[arg-type]
            id=uuid.uuid4(), issuer_id=issuer, purpose="revocation", sequence=1, size=131_072,
            signed_json="{}", version=1, created_at=NOW, signed_at=NOW,
        )
    )  # fmt: skip


async def test_a_list_made_before_counters_is_counted_full_after_the_upgrade_and_back(
    fresh_database: ScratchDatabase,
) -> None:
    url = fresh_database.url
    columns = select(StatusListRecord.size, StatusListRecord.allocated, StatusListRecord.slot_key)
    async with fresh_database.engine.connect() as connection:
        await connection.run_sync(_migrate, url, "downgrade", BEFORE_COUNTERS)
        await connection.run_sync(_list_before_counters)
        await connection.run_sync(_migrate, url, "upgrade", "head")
        upgraded = (await connection.execute(columns)).one()
        await connection.run_sync(_migrate, url, "downgrade", BEFORE_COUNTERS)
        kept = await connection.scalar(select(StatusListRecord.__table__.c.sequence))
        await connection.run_sync(_migrate, url, "upgrade", "head")
        await connection.commit()

    assert tuple(upgraded) == (131_072, 131_072, None)
    assert kept == 1
