"""Limits that hold: forwarded headers only from trusted proxies, completions, token failures,
and a limiter outage that does not become a service outage."""

from dataclasses import replace

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.domain.demo import Demo
from service.limits import TrustedProxies, client_address
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import PUBLIC_URL, asgi, basic
from tests.service.factories import completion


def _app(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, **changes: object
) -> Litestar:
    changed = replace(settings, database_url=database.url, **changes)  # type: ignore[arg-type]
    return create_app(changed, database=SharedConnectionDatabase(connection))


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    proxies = TrustedProxies(["10.0.0.0/8", "127.0.0.1"])

    assert client_address("203.0.113.9", ["198.51.100.1"], proxies) == "203.0.113.9"
    assert client_address("127.0.0.1", ["198.51.100.1"], proxies) == "198.51.100.1"
    assert client_address("127.0.0.1", ["1.2.3.4, 198.51.100.1, 10.1.1.1"], proxies) == (
        "198.51.100.1"
    )
    assert client_address("127.0.0.1", [], TrustedProxies()) == "127.0.0.1"


@pytest.mark.no_sql
async def test_fresh_forwarded_for_values_share_one_bucket_without_trusted_proxies(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection
) -> None:
    app = _app(settings, database, connection, rate_limit_anonymous="3/hour")
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        statuses = [
            (
                await client.post(
                    "/api/v1/verifications",
                    json={"jwt": "a.b.c"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                )
            ).status_code
            for n in range(4)
        ]

    assert statuses == [200, 200, 200, 429]


async def test_completions_are_limited_per_client(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, demo: Demo
) -> None:
    app = _app(settings, database, connection, rate_limit_completions="2/hour")
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        token = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic(demo.client_id, demo.client_secret)},
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        statuses = [
            (
                await client.post("/api/v1/completions", json=completion(f"l-{n}"), headers=headers)
            ).status_code
            for n in range(3)
        ]
        refused = await client.post("/api/v1/completions", json=completion("l-9"), headers=headers)

    assert statuses == [201, 201, 429]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) >= 1


async def test_repeated_wrong_secrets_lock_the_client_out_with_a_growing_wait(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, demo: Demo
) -> None:
    app = _app(settings, database, connection)
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:

        async def ask(secret: str) -> httpx.Response:
            return await client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": basic(demo.client_id, secret)},
            )

        wrong = [(await ask("devine")).status_code for _ in range(5)]
        locked = await ask("devine")
        even_the_right_one = await ask(demo.client_secret)

    assert wrong == [401] * 5
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= 60
    assert even_the_right_one.status_code == 429  # a lockout holds for the right secret too


async def test_an_unreachable_limiter_fails_open_and_ready_says_so(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection
) -> None:
    app = _app(settings, database, connection, rate_limit_storage="async+redis://127.0.0.1:1")
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        verification = await client.post("/api/v1/verifications", json={"jwt": "a.b.c"})
        ready = await client.get("/ready")

    assert verification.status_code == 200
    assert ready.status_code == 200
    assert ready.json()["degraded"] == ["rate-limits"]
