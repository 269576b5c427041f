"""Limits count what they limit: a batch's items, an xAPI batch's completions, GraphQL
operations per client and per address (trusted proxies alike), and GraphQL verification
failing open like REST's."""

from dataclasses import replace
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.domain.demo import Demo
from service.settings import Settings
from tests.service.conftest import PUBLIC_URL, ScratchDatabase, asgi, basic
from tests.service.factories import completion
from tests.service.test_xapi import reflection_badge
from tests.service.xapi_fixtures import COURSE, ITEM, answer, completed, post_statements

__all__ = ["reflection_badge"]  # the fixture, for the xAPI test below

VERIFY = "mutation($i: VerifyCredentialInput!) { verifyCredential(input: $i) { verdict } }"


def _app(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, **changes: object
) -> Litestar:
    changed = replace(settings, database_url=database.url, **changes)  # type: ignore[arg-type]
    return create_app(changed, database=SharedConnectionDatabase(connection))


async def _bearer(client: httpx.AsyncClient, demo: Demo) -> dict[str, str]:
    token = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(demo.client_id, demo.client_secret)},
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _batch(*external_ids: str) -> dict[str, Any]:
    return {"completions": [completion(external_id) for external_id in external_ids]}


async def test_batch_items_count_against_the_completion_limit(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, demo: Demo
) -> None:
    app = _app(settings, database, connection, rate_limit_completions="3/hour")
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        headers = await _bearer(client, demo)
        first = await client.post(
            "/api/v1/completions/batch", json=_batch("a", "b"), headers=headers
        )
        refused = await client.post(
            "/api/v1/completions/batch", json=_batch("c", "d"), headers=headers
        )
        too_big = await client.post(
            "/api/v1/completions/batch", json=_batch("e", "f", "g", "h"), headers=headers
        )
        single = await client.post("/api/v1/completions", json=completion("c"), headers=headers)

    assert first.status_code == 200
    assert [item["status"] for item in first.json()["results"]] == [201, 201]
    assert refused.status_code == 429, refused.text  # refused whole: 2 do not fit in 1
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) >= 1
    assert too_big.status_code == 422  # more than the limit itself: never fits
    assert single.status_code == 201  # new: the refused batch issued nothing, took no room


async def test_an_xapi_batch_s_completions_count_against_the_completion_limit(
    settings: Settings,
    database: ScratchDatabase,
    connection: AsyncConnection,
    demo: Demo,
    reflection_badge: str,
) -> None:
    """Each completed statement may issue a badge: a batch counts them, as a REST batch counts
    its items (one POST of many learners' statements was one request against the limit)."""
    app = _app(settings, database, connection, rate_limit_completions="3/hour")

    def learners(*names: str) -> list[dict[str, Any]]:
        emails = [f"{name}@exemple.qc.ca" for name in names]
        return [
            s for e in emails for s in (completed(e), answer(ITEM, "Une réponse réfléchie.", e))
        ]

    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        headers = await _bearer(client, demo)
        mapped = await client.post(
            "/api/v1/xapi-mappings",
            json={
                "achievement": reflection_badge,
                "completedActivity": COURSE,
                "answers": {"retour": ITEM},
            },
            headers=headers,
        )
        assert mapped.status_code == 201, mapped.text
        auth = {"Authorization": basic(demo.client_id, demo.client_secret)}
        too_big = await post_statements(client, auth, learners("a", "b", "c", "d", "e"))
        first = await post_statements(client, auth, learners("f", "g"))
        refused = await post_statements(client, auth, learners("h", "i"))

    assert too_big.status_code == 422, too_big.text  # more than the limit itself
    assert first.status_code == 200, first.text
    assert refused.status_code == 429, refused.text  # 2 do not fit in the 1 left


async def test_an_xapi_client_at_its_completion_limit_is_refused_before_its_body_is_read(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, demo: Demo
) -> None:
    """A body of up to 8 MB is not read (nor parsed) for a client that has no room left."""
    app = _app(settings, database, connection, rate_limit_completions="1/hour")
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        auth = {"Authorization": basic(demo.client_id, demo.client_secret)}
        first = await post_statements(client, auth, [completed("a@exemple.qc.ca")])
        unread = await post_statements(client, auth, b"[" * 1000)  # a 400 if it were read

    assert first.status_code == 200, first.text
    assert unread.status_code == 429, unread.text
    assert int(unread.headers["retry-after"]) >= 1


async def test_pdf_attestations_count_against_the_caller_s_address(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, demo: Demo
) -> None:
    """Each PDF costs a worker thread about 0.2 s: a flood from one address is refused."""
    app = _app(settings, database, connection, rate_limit_anonymous="2/hour")
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        headers = await _bearer(client, demo)
        issued = await client.post("/api/v1/completions", json=completion("pdf"), headers=headers)
        pdf = httpx.URL(issued.json()["manageUrl"]).path + "/transcript.pdf"
        answers = [await client.get(pdf) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert answers[0].headers["content-type"] == "application/pdf"
    assert answers[2].status_code == 429
    assert int(answers[2].headers["retry-after"]) >= 1


async def test_graphql_operations_are_limited_per_address_behind_trusted_proxies_only(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection
) -> None:
    query = {"query": "{ __typename }"}
    untrusted = _app(settings, database, connection, rate_limit_anonymous="2/hour")
    behind_proxy = _app(
        settings,
        database,
        connection,
        rate_limit_anonymous="2/hour",
        trusted_proxies=frozenset({"127.0.0.1"}),
    )
    async with httpx.AsyncClient(transport=asgi(untrusted), base_url=PUBLIC_URL) as client:
        spoofed = [
            await client.post(
                "/graphql", json=query, headers={"X-Forwarded-For": f"198.51.100.{n}"}
            )
            for n in range(3)
        ]
    async with httpx.AsyncClient(transport=asgi(behind_proxy), base_url=PUBLIC_URL) as client:
        one = [
            (
                await client.post(
                    "/graphql", json=query, headers={"X-Forwarded-For": "203.0.113.7"}
                )
            ).status_code
            for _ in range(3)
        ]
        another = await client.post(
            "/graphql", json=query, headers={"X-Forwarded-For": "203.0.113.8"}
        )

    assert [r.status_code for r in spoofed] == [200, 200, 429]
    assert spoofed[2].headers["content-type"].startswith("application/problem+json")
    assert int(spoofed[2].headers["retry-after"]) >= 1
    assert one == [200, 200, 429]
    assert another.status_code == 200


async def test_graphql_operations_are_limited_per_client(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, demo: Demo
) -> None:
    app = _app(settings, database, connection, rate_limit_authenticated="2/hour")
    query = {"query": "{ __typename }"}
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        headers = await _bearer(client, demo)
        statuses = [
            (await client.post("/graphql", json=query, headers=headers)).status_code
            for _ in range(3)
        ]
        anonymous = await client.post("/graphql", json=query)

    assert statuses == [200, 200, 429]
    assert anonymous.status_code == 200  # another caller's room is its own


async def test_graphql_verification_fails_open_like_rest_when_the_limiter_is_down(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection
) -> None:
    app = _app(settings, database, connection, rate_limit_storage="async+redis://127.0.0.1:1")
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        rest = await client.post("/api/v1/verifications", json={"jwt": "a.b.c"})
        graphql = await client.post(
            "/graphql", json={"query": VERIFY, "variables": {"i": {"jwt": "a.b.c"}}}
        )

    assert rest.status_code == 200
    assert graphql.status_code == 200
    body = graphql.json()
    assert "errors" not in body, body
    assert body["data"]["verifyCredential"]["verdict"]
