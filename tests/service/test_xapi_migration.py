"""Migration 0013 on data: a deployment at 0007 upgrades with its platforms in place."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from service.db.tables import ClientRecord, XapiStatementRecord
from tests.service.achievements.test_migration import _migrate
from tests.service.conftest import ScratchDatabase

NOW = datetime(2026, 12, 6, tzinfo=UTC)
BEFORE_XAPI = "0009"


def _client(connection: Connection) -> uuid.UUID:
    client = uuid.uuid4()
    values = {"id": client, "client_id": "ins_moodle", "name": "Moodle", "secret_hash": "h",
              "scopes": ["completions:write"], "issuer_slugs": [], "created_at": NOW}  # fmt: skip
    connection.execute(insert(ClientRecord.__table__).values(values))  # type: ignore[arg-type]
    return client


def _statement(connection: Connection, client: uuid.UUID) -> None:
    values = {"id": uuid.uuid4(), "client_id": client, "statement_id": uuid.uuid4(),
              "status": "pending", "stored_at": NOW}  # fmt: skip
    connection.execute(insert(XapiStatementRecord.__table__).values(values))  # type: ignore[arg-type]


async def test_an_existing_client_posts_statements_after_the_upgrade_and_back(
    fresh_database: ScratchDatabase,
) -> None:
    url = fresh_database.url
    async with fresh_database.engine.connect() as connection:
        await connection.run_sync(_migrate, url, "downgrade", BEFORE_XAPI)
        client = await connection.run_sync(_client)
        await connection.run_sync(_migrate, url, "upgrade", "head")
        await connection.run_sync(_statement, client)
        held = await connection.scalar(select(func.count(XapiStatementRecord.id)))
        await connection.run_sync(_migrate, url, "downgrade", BEFORE_XAPI)
        kept = await connection.scalar(select(ClientRecord.client_id))
        await connection.run_sync(_migrate, url, "upgrade", "head")
        await connection.commit()

    assert held == 1
    assert kept == "ins_moodle"
