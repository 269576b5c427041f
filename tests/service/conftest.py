"""Real databases for the service tests: SQLite always, PostgreSQL when CI asks for it.

The schema is made by ``alembic upgrade head``, never ``create_all``, once per backend into
a template that every test database copies (`tests.databases`). The demo is committed once
per backend. One runtime and one app per backend serve the whole session: each test runs
inside an outer transaction on a connection of its own, the app is bound to that connection
(it joins it through SAVEPOINTs) and the runtime forgets its caches, so no test sees
another's state; the transaction is rolled back when the test ends.

Markers: ``settings(name=value, …)`` for a test served with other settings;
``empty_catalogue`` for a test that needs a database without the demo;
``no_sql`` for a test that runs no SQL (it runs on SQLite only, and fails if it does run
SQL). Tests whose transactions must really commit ask for `fresh_database`.
"""

import base64
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from service.app import create_app
from service.db.engine import Database, SharedConnectionDatabase
from service.domain.credentials.lifecycle import PreparedChange
from service.domain.demo import ISSUER_SLUG, Demo, load_demo
from service.runtime import Runtime, Services, build_services
from service.settings import Settings
from tests.databases import BACKENDS, Templates
from tests.databases import ScratchDatabase as ScratchDatabase  # re-exported for the tests

PUBLIC_URL = "http://localhost:8000"


@pytest.fixture(scope="session", params=BACKENDS)
async def templates(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Templates]:
    made = Templates(request.param, tmp_path_factory.mktemp("db"))
    await made.create()
    yield made
    await made.drop()


@pytest.fixture(scope="session")
async def database(templates: Templates, settings: Settings) -> AsyncIterator[ScratchDatabase]:
    """The backend's shared database, with the demo committed in it."""
    created = await templates.copy()
    created.demo = await load_demo_into(
        _for(settings, created), Database(created.engine, owns_engine=False)
    )
    yield created
    await created.drop()


@pytest.fixture(scope="session")
async def empty_database(templates: Templates) -> AsyncIterator[ScratchDatabase]:
    """The backend's database without the demo, for tests marked ``empty_catalogue``."""
    created = await templates.copy()
    yield created
    await created.drop()


@pytest.fixture
async def fresh_database(templates: Templates) -> AsyncIterator[ScratchDatabase]:
    """A separate empty database for tests whose transactions must really commit."""
    created = await templates.copy()
    yield created
    await created.drop()


@pytest.fixture
def catalogue(request: pytest.FixtureRequest, database: ScratchDatabase) -> ScratchDatabase:
    """The database this test runs in: the shared one, or the empty one if it asks."""
    if request.node.get_closest_marker("empty_catalogue"):
        return cast("ScratchDatabase", request.getfixturevalue("empty_database"))
    return database


@pytest.fixture
def engine(catalogue: ScratchDatabase) -> AsyncEngine:
    return catalogue.engine


@dataclass(frozen=True)
class Harness:
    """One backend's runtime and app for the whole session, bound to each test's connection.

    A test marked ``settings(name=value, …)`` gets a runtime and app of those settings
    instead, built once per set of changes and bound to the same connections.
    """

    database: SharedConnectionDatabase
    runtime: Runtime
    app: Litestar
    variants: dict[tuple[tuple[str, Any], ...], tuple[Runtime, Litestar]] = field(
        default_factory=dict
    )

    def serving(self, item: pytest.Item) -> tuple[Runtime, Litestar]:
        """The runtime and app `item` asks for."""
        marker = item.get_closest_marker("settings")
        if marker is None:
            return self.runtime, self.app
        key = tuple(sorted(marker.kwargs.items()))
        if key not in self.variants:
            changed = replace(self.runtime.settings, **marker.kwargs)
            runtime = Runtime.build(changed, database=self.database)
            self.variants[key] = (runtime, create_app(runtime=runtime))
        return self.variants[key]

    async def close(self) -> None:
        for runtime in (self.runtime, *(runtime for runtime, _ in self.variants.values())):
            await runtime.close()


@pytest.fixture(scope="session")
async def harness(settings: Settings, database: ScratchDatabase) -> AsyncIterator[Harness]:
    shared = SharedConnectionDatabase(database.engine)
    runtime = Runtime.build(_for(settings, database), database=shared)
    built = Harness(shared, runtime, create_app(runtime=runtime))
    yield built
    await built.close()


@pytest.fixture
async def connection(
    request: pytest.FixtureRequest, engine: AsyncEngine, harness: Harness
) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        harness.database.bind(connection)
        runtime, _ = harness.serving(request.node)
        await runtime.forget()
        statements = _count_statements(connection)
        yield connection
        await transaction.rollback()
    if request.node.get_closest_marker("no_sql") and statements:
        pytest.fail(
            f"marked no_sql but ran {len(statements)} statements, e.g. {statements[0][:80]!r}"
        )


def _count_statements(connection: AsyncConnection) -> list[str]:
    """The statements `connection` runs from now on (a list that grows)."""
    ran: list[str] = []

    @event.listens_for(connection.sync_connection, "before_cursor_execute")
    def _ran(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        ran.append(statement)

    return ran


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url="sqlite+aiosqlite:///unused.db",
        public_url=PUBLIC_URL,
        data_dir=tmp_path_factory.mktemp("data"),
        key_encryption_key=secrets.token_bytes(32),
        token_secret=secrets.token_bytes(32),
        webhook_worker=False,  # tests run the worker themselves, on their own connection
    )


@pytest.fixture
def app(request: pytest.FixtureRequest, harness: Harness, connection: AsyncConnection) -> Litestar:
    return harness.serving(request.node)[1]


@pytest.fixture
def runtime(
    request: pytest.FixtureRequest, harness: Harness, connection: AsyncConnection
) -> Runtime:
    """The app's runtime, on the test's connection, for calling the domain directly."""
    return harness.serving(request.node)[0]


def _for(settings: Settings, database: ScratchDatabase) -> Settings:
    return Settings(**{**vars(settings), "database_url": database.url})


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Real HTTP through the ASGI app, on the test's own event loop (asyncpg needs that).

    The start-up migration check is tested on its own (test_app.py); here the schema is
    migrated by the `database` fixture.
    """
    transport = asgi(app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield http


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    ) as session:
        yield session


def services(session: AsyncSession, runtime: Runtime) -> Services:
    """The domain services on the test's own session (no principal)."""
    return build_services(session, runtime, None)


def operator(session: AsyncSession, runtime: Runtime) -> Services:
    """The domain services as the command line gets them: it administers every issuer."""
    return build_services(session, runtime, None, is_operator=True)


async def revoke(session: AsyncSession, runtime: Runtime, credential_id: uuid.UUID) -> None:
    """Revoke in the test's own transaction: the pipeline's two steps, on one session."""
    lifecycle = operator(session, runtime).lifecycle
    prepared = await lifecycle.prepare(credential_id, "revoked", "attribué par erreur")
    assert isinstance(prepared, PreparedChange), prepared
    await lifecycle.store(prepared, actor="test")


@pytest.fixture
async def demo(catalogue: ScratchDatabase, session: AsyncSession, runtime: Runtime) -> Demo:
    if catalogue.demo is not None:
        return catalogue.demo
    loaded = await load_demo(services(session, runtime))
    await session.commit()  # releases the SAVEPOINT; the outer transaction still rolls back
    return loaded


Getter = Callable[..., Awaitable[str]]


@pytest.fixture
def token(client: httpx.AsyncClient, demo: Demo) -> Getter:
    async def get(
        scope: str | None = None, client_id: str | None = None, secret: str | None = None
    ) -> str:
        form: dict[str, Any] = {"grant_type": "client_credentials"}
        if scope:
            form["scope"] = scope
        response = await client.post(
            "/oauth/token",
            data=form,
            auth=(client_id or demo.client_id, secret or demo.client_secret),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    return get


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def database_for(settings: Settings, database: ScratchDatabase) -> tuple[Settings, Database]:
    """Settings and a pooled Database on `database`, for apps that commit for real."""
    return _for(settings, database), Database(database.engine, owns_engine=False)


async def load_demo_into(settings: Settings, database: Database) -> Demo:
    """Load the demo into a database that commits for real."""
    runtime = Runtime.build(settings, database=database)
    try:
        async with runtime.write() as unit:
            return await load_demo(unit)
    finally:
        await runtime.close()


MakeClient = Callable[..., Awaitable[tuple[str, str]]]


@pytest.fixture
def make_client(session: AsyncSession, runtime: Runtime) -> MakeClient:
    """Create an API client in the test's transaction; returns its id and secret."""

    async def make(*, scopes: set[str], issuers: set[str] | None = None) -> tuple[str, str]:
        new = await services(session, runtime).clients.create(
            name="Plateforme de test", scopes=scopes, issuer_slugs=issuers or set(), actor="test"
        )
        await session.commit()
        return new.client_id, new.client_secret

    return make


@pytest.fixture
async def revoker(token: Getter, make_client: MakeClient) -> dict[str, str]:
    """The headers of a platform that may revoke, suspend and reinstate the demo's badges."""
    client_id, secret = await make_client(scopes={"credentials:revoke"}, issuers={ISSUER_SLUG})
    return {"Authorization": f"Bearer {await token(None, client_id, secret)}"}


def asgi(app: Litestar) -> httpx.ASGITransport:
    """httpx's transport over the app (httpx types its ASGI callable more narrowly)."""
    return httpx.ASGITransport(app=cast("Any", app))


# --- two tenants: the demo issuer ("ours") and a second issuer with its own admin and platform --

Headers = dict[str, str]
OTHER = "reseau-estrie"


@dataclass(frozen=True)
class Tenant:
    admin: Headers
    platform: Headers


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def ours(token: Getter, make_client: MakeClient) -> Tenant:
    admin_id, admin_secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    return Tenant(bearer(await token(None, admin_id, admin_secret)), bearer(await token()))


@pytest.fixture
async def theirs(client: httpx.AsyncClient, token: Getter, make_client: MakeClient) -> Tenant:
    """A second issuer, created by its own admin, with a platform of its own."""
    admin_id, admin_secret = await make_client(scopes={"admin"})
    admin = bearer(await token(None, admin_id, admin_secret))
    created = await client.post(
        "/api/v1/issuers",
        json={
            "slug": OTHER,
            "name": "Réseau Estrie",
            "url": "https://reseau-estrie.exemple.qc.ca",
            "email": "badges@reseau-estrie.exemple.qc.ca",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    platform_id, platform_secret = await make_client(
        scopes={"completions:write", "credentials:read"}, issuers={OTHER}
    )
    return Tenant(admin, bearer(await token(None, platform_id, platform_secret)))
