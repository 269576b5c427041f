"""GraphQL over real HTTP (the gql client on httpx's ASGI transport), on SQLite and PostgreSQL."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import ExecutionResult
from litestar import Litestar
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.db.tables import CredentialRecord
from service.domain.demo import ISSUER_SLUG, Demo
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service import conftest as service
from tests.service.conftest import PUBLIC_URL, Getter, MakeClient, asgi
from tests.service.factories import completion

# The service tests' fixtures, shared (a database per backend, rolled back per test).
templates, database, empty_database, fresh_database = (
    service.templates,
    service.database,
    service.empty_database,
    service.fresh_database,
)
catalogue, engine, harness, connection = (
    service.catalogue,
    service.engine,
    service.harness,
    service.connection,
)
settings, app, runtime, client, session = (
    service.settings,
    service.app,
    service.runtime,
    service.client,
    service.session,
)
demo, token, make_client = service.demo, service.token, service.make_client

Run = Callable[..., Awaitable[ExecutionResult]]


async def run_graphql(
    app: Litestar,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    bearer: str | None = None,
    headers: dict[str, str] | None = None,
) -> ExecutionResult:
    """One operation through gql, errors returned rather than raised."""
    sent = dict(headers or {})
    if bearer:
        sent["Authorization"] = f"Bearer {bearer}"
    transport = HTTPXAsyncTransport(
        url=f"{PUBLIC_URL}/graphql", transport=asgi(app), headers=sent, timeout=60
    )
    async with Client(transport=transport) as session:
        request = gql(query)
        if variables:
            request.variable_values = variables
        try:
            result: ExecutionResult = await session.execute(request, get_execution_result=True)
        except TransportQueryError as error:  # errors are part of the answer here
            return ExecutionResult(
                data=error.data, errors=error.errors, extensions=error.extensions
            )
        return result


@pytest.fixture
def graphql(app: Litestar) -> Run:
    async def run(
        query: str, variables: dict[str, Any] | None = None, **options: Any
    ) -> ExecutionResult:
        return await run_graphql(app, query, variables, **options)

    return run


def codes(result: ExecutionResult) -> list[str]:
    return [error["extensions"]["code"] for error in result.errors or []]  # type: ignore[index]


async def issue(
    http: httpx.AsyncClient, bearer: str, external_id: str, **changes: Any
) -> dict[str, Any]:
    """Issue a credential through the REST API; returns its body."""
    response = await http.post(
        "/api/v1/completions",
        json=completion(external_id, **changes),
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def linked_token(token: Getter, make_client: MakeClient, demo: Demo) -> str:
    """A portfolio platform linked to the demo issuer."""
    client_id, secret = await make_client(scopes={"portfolio:read"}, issuers={ISSUER_SLUG})
    return await token("portfolio:read", client_id, secret)


@pytest.fixture
async def outside_token(token: Getter, make_client: MakeClient) -> str:
    """A portfolio platform linked to no issuer."""
    client_id, secret = await make_client(scopes={"portfolio:read"})
    return await token("portfolio:read", client_id, secret)


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    return await issue(client, await token(), "moodle-gql-1")


async def set_controls(session: AsyncSession, credential_id: str, **values: bool) -> None:
    """The earner's controls (hidden, evidence_public), set as their management link would."""
    await session.execute(
        update(CredentialRecord)
        .where(CredentialRecord.id == uuid.UUID(credential_id))
        .values(**values)
    )
    await session.commit()


@pytest.fixture
def make_app(
    settings: Settings, connection: AsyncConnection, database: ScratchDatabase
) -> Callable[..., Litestar]:
    """The app with other GraphQL settings, on the test's connection."""

    def make(**graphql: Any) -> Litestar:
        changed = replace(
            settings, database_url=database.url, graphql=replace(settings.graphql, **graphql)
        )
        return create_app(changed, database=SharedConnectionDatabase(connection))

    return make
