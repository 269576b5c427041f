"""Migrations, start-up checks and concurrency, on both databases."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from service.app import UnmigratedDatabase, create_app
from service.db.engine import SharedConnectionDatabase, alembic_config
from service.db.tables import Base, CompletionRecord, CredentialRecord
from service.domain.demo import Demo
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import PUBLIC_URL, Getter, asgi, database_for, load_demo_into
from tests.service.factories import ANSWERS, completion


def _alembic(connection: Connection, url: str, action: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    if action == "check":
        command.check(config)
    else:
        getattr(command, action)(config, revision)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_migrations_go_down_and_up_again(fresh_database: ScratchDatabase) -> None:
    async with fresh_database.engine.connect() as connection:
        assert await connection.run_sync(_tables) == set(Base.metadata.tables)
        await connection.run_sync(_alembic, fresh_database.url, "downgrade", "base")
        assert await connection.run_sync(_tables) == set()
        await connection.run_sync(_alembic, fresh_database.url, "upgrade", "head")
        assert await connection.run_sync(_tables) == set(Base.metadata.tables)
        await connection.commit()


async def test_models_match_the_migrations(
    connection: AsyncConnection, database: ScratchDatabase
) -> None:
    await connection.run_sync(_alembic, database.url, "check", "")


async def test_start_up_refuses_an_unmigrated_database(settings: Settings, tmp_path: Path) -> None:
    empty = Settings(
        **{**vars(settings), "database_url": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"}
    )
    app = create_app(empty)

    with pytest.RaisesGroup(
        pytest.RaisesExc(UnmigratedDatabase, match="insigne db upgrade"), flatten_subgroups=True
    ):
        async with app.lifespan():
            pass


async def test_signed_documents_and_long_answers_are_stored_with_lz4(
    client: httpx.AsyncClient, token: Getter, session: AsyncSession, database: ScratchDatabase
) -> None:
    """Migration 0018: where PostgreSQL offers lz4, new documents and answers use it."""
    long = " ".join([ANSWERS["impact"]] * 16)  # 3 KB: stored out of line, so compressed
    body = completion(reflections=[{"prompt": k, "answer": long} for k in ANSWERS])
    issued = await client.post(
        "/api/v1/completions", json=body, headers={"Authorization": f"Bearer {await token()}"}
    )
    assert issued.status_code == 201, issued.text
    credential_id = issued.json()["id"]

    served = await client.get(
        f"/credentials/{credential_id}", headers={"Accept": "application/ld+json"}
    )

    assert served.json() == issued.json()["credential"]
    if database.backend == "postgres":
        offered = await session.scalar(
            text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        )
        methods = (
            await session.execute(
                text(
                    "SELECT pg_column_compression(c.signed_json), pg_column_compression(c.jwt), "
                    "pg_column_compression(e.answer) FROM credentials c "
                    "JOIN evidence e ON e.completion_id = c.completion_id WHERE c.id = :id"
                ),
                {"id": uuid.UUID(credential_id)},
            )
        ).all()
        expected = "lz4" if "lz4" in offered else "pglz"
        assert methods == [(expected, expected, expected)] * 3


async def test_health_and_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_ready_is_503_for_a_process_whose_kek_does_not_open_the_keys(
    settings: Settings, connection: AsyncConnection, database: ScratchDatabase, demo: Demo
) -> None:
    # What a process still on the old key sees after `insigne keys rotate-kek` elsewhere.
    stale = Settings(
        **{**vars(settings), "database_url": database.url, "key_encryption_key": bytes(32)}
    )
    app = create_app(stale, database=SharedConnectionDatabase(connection))
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as http:
        ready = await http.get("/ready")
        alive = await http.get("/health")

    assert ready.status_code == 503
    assert ready.json()["detail"] == "the key-encryption key does not open the stored keys"
    assert alive.status_code == 200


async def post_concurrently(
    settings: Settings, database: ScratchDatabase, bodies: list[dict[str, Any]]
) -> list[httpx.Response]:
    """POST completions at once to an app on its own pooled database, as separate requests."""
    app_settings, pooled = database_for(settings, database)
    demo = await load_demo_into(app_settings, pooled)
    app = create_app(app_settings, database=pooled)
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        token = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(demo.client_id, demo.client_secret),
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return list(
            await asyncio.gather(
                *(client.post("/api/v1/completions", json=body, headers=headers) for body in bodies)
            )
        )


async def test_twenty_concurrent_duplicates_issue_one_credential(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    responses = await post_concurrently(settings, fresh_database, [completion()] * 20)

    assert sorted(r.status_code for r in responses) == [200] * 19 + [201], [
        r.text for r in responses if r.status_code >= 300
    ]
    assert len({r.json()["id"] for r in responses}) == 1
    async with AsyncSession(fresh_database.engine) as session:
        assert await session.scalar(select(func.count()).select_from(CredentialRecord)) == 1
        assert await session.scalar(select(func.count()).select_from(CompletionRecord)) == 1


async def test_concurrent_first_completions_get_distinct_status_indexes(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    responses = await post_concurrently(
        settings, fresh_database, [completion(f"c-{n}") for n in range(10)]
    )

    assert [r.status_code for r in responses] == [201] * 10, [
        r.text for r in responses if r.status_code != 201
    ]
    indexes = {r.json()["credential"]["credentialStatus"]["statusListIndex"] for r in responses}
    assert len(indexes) == 10
    assert all(0 <= int(index) < 131_072 for index in indexes)
