"""What keeps GraphQL cheap and closed: limits, caches, introspection, IDE, trusted documents."""

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from graphql import parse, print_ast
from litestar import Litestar

from schema import build_schema, document_hash
from schema.errors import ErrorCodes
from schema.limits import estimate_cost
from service.domain.demo import Demo
from service.settings import GraphQLSettings
from tests.schema.conftest import Run, codes, run_graphql
from tests.service.conftest import PUBLIC_URL, asgi

MakeApp = Callable[..., Litestar]


async def test_depth_above_the_limit_is_refused(make_app: MakeApp) -> None:
    app = make_app(max_depth=2)
    deep = "{ achievements { nodes { issuer { name } } } }"

    result = await run_graphql(app, deep)

    assert result.data is None
    assert codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "exceeds maximum operation depth" in result.errors[0]["message"]  # type: ignore[index]


@pytest.mark.no_sql
async def test_too_many_aliases_are_refused(make_app: MakeApp) -> None:
    app = make_app(max_aliases=2)

    result = await run_graphql(
        app, "{ a: issuers { totalCount } b: issuers { totalCount } c: issuers { totalCount } }"
    )

    assert codes(result) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.no_sql
async def test_too_many_tokens_are_refused(make_app: MakeApp) -> None:
    app = make_app(max_tokens=10)

    result = await run_graphql(
        app, "{ issuers { totalCount nodes { id name slug url email did description } } }"
    )

    assert result.data is None
    assert "more than 10 tokens" in result.errors[0]["message"]  # type: ignore[index]


@pytest.mark.no_sql
async def test_a_query_that_could_return_too_many_nodes_is_too_complex(make_app: MakeApp) -> None:
    app = make_app(max_cost=1_000)
    query = """query($n: Int) { learner(email: "a@b.c") { credentials(first: $n) { edges { node {
        id evidence { prompt digest } achievement { alignments { code } } } } } } }"""

    refused = await run_graphql(app, query, {"n": 100})
    # 5 credentials, each with up to 50 answers and 50 alignments: 782 nodes
    allowed = await run_graphql(app, query, {"n": 5})

    assert codes(refused) == ["QUERY_TOO_COMPLEX"]
    assert refused.errors[0]["extensions"]["cost"] > 1_000  # type: ignore[index]
    assert codes(allowed) == ["UNAUTHENTICATED"]  # within the limit, then the policy


def test_cost_follows_first_along_each_path() -> None:
    schema = build_schema(GraphQLSettings())._schema

    flat = parse("{ issuers(first: 5) { nodes { id name } } }")
    nested = parse("{ achievements(first: 4) { nodes { alignments { code } } } }")

    # issuers 1, nodes 5, id 5, name 5
    assert estimate_cost(schema, flat, None, {}, default_page=20) == 16
    # achievements 1, nodes 4, alignments 4, code 4 x 50 (an achievement's most alignments)
    assert estimate_cost(schema, nested, None, {}, default_page=20) == 209


@pytest.mark.no_sql
async def test_a_page_above_the_maximum_is_bad_input(graphql: Run) -> None:
    result = await graphql("{ issuers(first: 101) { totalCount } }")

    assert codes(result) == ["BAD_USER_INPUT"]


async def test_pages_follow_cursors(graphql: Run, demo: Demo) -> None:
    first = await graphql(
        "{ achievements(first: 1) { pageInfo { hasNextPage endCursor } nodes { slug } } }"
    )
    page = first.data["achievements"]  # type: ignore[index]
    after = await graphql(
        "query($c: String) { achievements(first: 1, after: $c) { pageInfo { hasPreviousPage } nodes { slug } } }",
        {"c": page["pageInfo"]["endCursor"]},
    )

    assert page["pageInfo"]["hasNextPage"] is False  # the demo has one achievement
    assert after.data == {"achievements": {"pageInfo": {"hasPreviousPage": True}, "nodes": []}}
    bad = await graphql('{ achievements(after: "nope") { totalCount } }')
    assert codes(bad) == ["BAD_USER_INPUT"]


@pytest.mark.no_sql
async def test_introspection_is_off_by_default_both_schema_and_type(graphql: Run) -> None:
    schema = await graphql("{ __schema { types { name } } }")
    one_type = await graphql('{ __type(name: "Learner") { fields { name } } }')

    assert set(codes(schema)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert set(codes(one_type)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert one_type.data is None


@pytest.mark.no_sql
async def test_introspection_is_on_when_the_settings_say(make_app: MakeApp) -> None:
    result = await run_graphql(make_app(introspection=True), '{ __type(name: "Learner") { name } }')

    assert result.data == {"__type": {"name": "Learner"}}


@pytest.mark.no_sql
async def test_graphiql_is_served_only_when_the_settings_say(make_app: MakeApp) -> None:
    async def page(app: Litestar) -> httpx.Response:
        async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as http:
            return await http.get("/graphql", headers={"Accept": "text/html"})

    assert (await page(make_app())).status_code == 404
    served = await page(make_app(ide=True))
    assert served.status_code == 200
    assert "graphiql" in served.text.lower()


@pytest.mark.empty_catalogue
async def test_only_trusted_documents_run_when_a_set_is_configured(make_app: MakeApp) -> None:
    trusted = "{ issuers { totalCount } }"
    sent = print_ast(parse(trusted))  # what the client sends, byte for byte
    app = make_app(trusted_documents=frozenset({document_hash(sent)}))

    allowed = await run_graphql(app, trusted)
    refused = await run_graphql(app, "{ achievements { totalCount } }")

    assert allowed.data == {"issuers": {"totalCount": 0}}
    assert refused.data is None
    assert codes(refused) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.no_sql
async def test_an_operation_over_its_time_is_stopped(make_app: MakeApp) -> None:
    result = await run_graphql(make_app(timeout_seconds=1e-9), "{ issuers { totalCount } }")

    assert codes(result) == ["TIMEOUT"]


@pytest.mark.no_sql
async def test_syntax_errors_are_reported_with_a_code(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ issuers { "})

    body: dict[str, Any] = response.json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.no_sql
async def test_queries_are_not_accepted_in_urls(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ issuers { totalCount } }"})

    assert response.status_code == 400  # the route is there and refuses queries in URLs


@pytest.mark.no_sql
async def test_no_operation_runs_over_a_websocket(app: Litestar) -> None:
    """Over one WebSocket, operations would run unmetered: the rate limits count requests.

    The schema has no subscriptions, so the route takes no WebSocket at all.
    """
    operation = {"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }"}}
    incoming: list[dict[str, Any]] = [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": json.dumps({"type": "connection_init"})},
        *[{"type": "websocket.receive", "text": json.dumps(operation)}] * 3,
        {"type": "websocket.disconnect", "code": 1000},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)  # the app closes first, or the timeout below fails the test
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"localhost:8000"),
            (b"sec-websocket-protocol", b"graphql-transport-ws"),
        ],
        "subprotocols": ["graphql-transport-ws"],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 8000),
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=10)  # type: ignore[arg-type]

    assert not [m for m in sent if m["type"] == "websocket.accept"], sent
    assert not [m for m in sent if "__typename" in str(m.get("text"))], sent


def test_extensions_are_classes_or_factories_never_shared_instances() -> None:
    schema = build_schema(GraphQLSettings())

    assert ErrorCodes in schema.extensions
    assert all(
        callable(extension) and not hasattr(extension, "execution_context")
        for extension in schema.extensions
    )
    first, second = (schema.get_extensions(), schema.get_extensions())
    assert all(a is not b for a, b in zip(first, second, strict=True))


def test_unexpected_errors_are_masked() -> None:
    from graphql import GraphQLError

    from schema.errors import _shaped

    shaped = _shaped(GraphQLError("boom: secret detail", original_error=RuntimeError("secret")))

    assert shaped.message == "Unexpected error."
    assert shaped.extensions == {"code": "INTERNAL_SERVER_ERROR"}
