"""One throttle for every face: REST, GraphQL and the verify page count verifications on one
counter, believe ``X-Forwarded-For`` only from trusted proxies, and keep answering when the
limits' store is down."""

from dataclasses import replace

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.settings import Settings
from tests.service.conftest import PUBLIC_URL, ScratchDatabase, asgi

VERIFY = "mutation($i: VerifyCredentialInput!) { verifyCredential(input: $i) { verdict } }"
DEAD_STORE = "async+redis://127.0.0.1:1"  # nothing listens on port 1


def _app(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, **changes: object
) -> Litestar:
    changed = replace(settings, database_url=database.url, **changes)  # type: ignore[arg-type]
    return create_app(changed, database=SharedConnectionDatabase(connection))


async def _rest(client: httpx.AsyncClient, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    response = await client.post("/api/v1/verifications", json={"jwt": "a.b.c"}, headers=headers)
    return response.status_code


async def _graphql(client: httpx.AsyncClient, forwarded: str | None = None) -> str:
    """The operation's outcome: its verdict, or its error code."""
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    response = await client.post(
        "/graphql",
        json={"query": VERIFY, "variables": {"i": {"jwt": "a.b.c"}}},
        headers=headers,
    )
    assert response.status_code in (200, 429), response.text
    if response.status_code == 429:  # the operation's own limit, not the verifications'
        return "GRAPHQL_LIMIT"
    body = response.json()
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    return str(body["data"]["verifyCredential"]["verdict"])


async def _page(client: httpx.AsyncClient, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    response = await client.post("/verify", data={"jwt": "a.b.c", "lang": "en"}, headers=headers)
    return response.status_code


async def test_every_face_answers_when_the_limits_store_is_down(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection
) -> None:
    app = _app(settings, database, connection, rate_limit_storage=DEAD_STORE)
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        rest = await _rest(client)
        graphql = await _graphql(client)
        page = await _page(client)

    assert rest == 200
    assert graphql not in ("RATE_LIMITED", "GRAPHQL_LIMIT", "INTERNAL_SERVER_ERROR")
    assert page == 200


async def test_the_faces_share_one_verification_counter(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection
) -> None:
    app = _app(settings, database, connection, rate_limit_anonymous="3/hour")
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        # Each GraphQL operation counts once as an operation and once as a verification.
        first = [await _rest(client), await _page(client), await _graphql(client)]
        over = [await _rest(client), await _page(client)]

    assert first[:2] == [200, 200]
    assert first[2] not in ("RATE_LIMITED", "GRAPHQL_LIMIT")
    assert over == [429, 429]


async def test_forwarded_for_from_an_untrusted_peer_is_ignored_by_every_face(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection
) -> None:
    outcomes: dict[str, list[object]] = {}
    for name, face in {"rest": _rest, "page": _page, "graphql": _graphql}.items():
        app = _app(settings, database, connection, rate_limit_anonymous="2/hour")  # fresh counts
        async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
            outcomes[name] = [await face(client, f"198.51.100.{n}") for n in range(3)]

    assert outcomes["rest"] == [200, 200, 429]
    assert outcomes["page"] == [200, 200, 429]
    assert outcomes["graphql"][2] in ("RATE_LIMITED", "GRAPHQL_LIMIT")


async def test_forwarded_for_from_a_trusted_proxy_is_believed_by_every_face(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection
) -> None:
    app = _app(
        settings,
        database,
        connection,
        rate_limit_anonymous="2/hour",
        trusted_proxies=frozenset({"127.0.0.1"}),
    )
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        rest = [await _rest(client, "203.0.113.1") for _ in range(3)]
        page = [await _page(client, "203.0.113.2") for _ in range(3)]
        graphql = [await _graphql(client, "203.0.113.3") for _ in range(3)]
        fresh = (
            await _rest(client, "203.0.113.9"),
            await _page(client, "203.0.113.10"),
            await _graphql(client, "203.0.113.11"),
        )

    assert rest == [200, 200, 429]
    assert page == [200, 200, 429]
    assert graphql[2] in ("RATE_LIMITED", "GRAPHQL_LIMIT")
    assert fresh[:2] == (200, 200)
    assert fresh[2] not in ("RATE_LIMITED", "GRAPHQL_LIMIT")
