"""The database lost or out of connections: a 503 the caller can retry, never a 500.

A PostgreSQL restart or failover kills every pooled connection at once; the request that finds
its connection dead is answered 503 with ``Retry-After`` (REST) or ``SERVICE_UNAVAILABLE``
(GraphQL), logged as one warning line, and the next request gets a fresh connection.
"""

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import create_async_engine

from service.app import create_app
from service.db.engine import Database
from service.db.outages import is_outage
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import PUBLIC_URL, asgi, database_for, load_demo_into
from tests.service.factories import completion

_CATALOGUE = "{ achievements(first: 5) { nodes { slug name } } }"


async def _kill_connections(scratch: ScratchDatabase) -> int:
    """Terminate every backend serving `scratch` (as a restart would), from another pool."""
    admin = create_async_engine(scratch.url)
    try:
        async with admin.connect() as other:
            killed = await other.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            return len(killed.all())
    finally:
        await admin.dispose()


async def _token(client: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
async def served(
    settings: Settings, fresh_database: ScratchDatabase
) -> AsyncIterator[tuple[httpx.AsyncClient, str, Database]]:
    if fresh_database.backend != "postgres":
        pytest.skip("SQLite has no server to lose the connection")
    app_settings, database = database_for(settings, fresh_database)
    demo = await load_demo_into(app_settings, database)
    app = create_app(app_settings, database=database)
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL, timeout=60) as client:
        yield client, await _token(client, demo.client_id, demo.client_secret), database


async def test_a_completion_on_a_lost_connection_is_a_503_then_the_next_is_issued(
    served: tuple[httpx.AsyncClient, str, Database],
    fresh_database: ScratchDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, token, database = served
    bearer = {"Authorization": f"Bearer {token}"}
    first = await client.post("/api/v1/completions", json=completion("avant"), headers=bearer)
    assert first.status_code == 201, first.text
    assert await _kill_connections(fresh_database) >= 1
    with caplog.at_level(logging.INFO):
        lost = await client.post("/api/v1/completions", json=completion("pendant"), headers=bearer)
    assert lost.status_code == 503, lost.text
    assert lost.headers["content-type"].startswith("application/problem+json")
    assert lost.headers["retry-after"] == "1"
    assert lost.json()["code"] == "database-unavailable"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("database" in message for message in warned), warned
    again = await client.post("/api/v1/completions", json=completion("pendant"), headers=bearer)
    assert again.status_code == 201, again.text
    assert database.checked_out() == 0


async def test_a_graphql_query_on_a_lost_connection_says_service_unavailable(
    served: tuple[httpx.AsyncClient, str, Database], fresh_database: ScratchDatabase
) -> None:
    """Lost in a resolver: the error's code; lost while admitting the token: the 503 problem."""
    client, token, _database = served
    bearer = {"Authorization": f"Bearer {token}"}
    warm = await client.post("/graphql", json={"query": _CATALOGUE})
    assert warm.status_code == 200, warm.text
    assert "errors" not in warm.json(), warm.text
    await _kill_connections(fresh_database)
    lost = await client.post("/graphql", json={"query": _CATALOGUE})
    errors = lost.json().get("errors", [])
    assert [e["extensions"]["code"] for e in errors] == ["SERVICE_UNAVAILABLE"], lost.text
    assert errors[0]["extensions"]["retryAfter"] == 1
    again = await client.post("/graphql", json={"query": _CATALOGUE}, headers=bearer)
    assert "errors" not in again.json(), again.text
    await _kill_connections(fresh_database)
    admitting = await client.post("/graphql", json={"query": _CATALOGUE}, headers=bearer)
    assert admitting.status_code == 503, admitting.text
    assert admitting.json()["code"] == "database-unavailable"


async def test_a_refused_connection_and_a_drained_pool_are_outages(
    database: ScratchDatabase, unused_tcp_port: int
) -> None:
    """What a down server and a pool with no connection free raise, as SQLAlchemy raises it."""
    closed = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{unused_tcp_port}/x")
    with pytest.raises(ConnectionRefusedError) as refused:
        async with closed.connect():
            pass
    await closed.dispose()
    assert is_outage(refused.value), repr(refused.value)
    if database.backend != "postgres":
        return
    small = create_async_engine(database.url, pool_size=1, max_overflow=0, pool_timeout=0.05)
    try:
        async with small.connect():
            with pytest.raises(PoolTimeout) as drained:
                async with small.connect():
                    pass
    finally:
        await small.dispose()
    assert is_outage(drained.value), repr(drained.value)
    async with database.engine.connect() as connection:
        with pytest.raises(DBAPIError) as refused_statement:
            await connection.execute(text("SELECT * FROM no_such_table"))
    assert not is_outage(refused_statement.value)
