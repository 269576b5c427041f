"""Real databases for the service tests: SQLite always, PostgreSQL when CI asks for it.

The schema is made by ``alembic upgrade head``, never ``create_all``. Each test runs inside
an outer transaction that is rolled back; the app under test joins it through SAVEPOINTs.
Tests that need real concurrent transactions ask for `fresh_database` instead.
"""

import base64
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from alembic import command
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from service.app import create_app
from service.db.engine import (
    ENGINE_OPTIONS,
    Database,
    SharedConnectionDatabase,
    alembic_config,
    configure_sqlite,
)
from service.domain.demo import ISSUER_SLUG, Demo, load_demo
from service.runtime import Runtime, Services, build_services
from service.settings import Settings

PUBLIC_URL = "http://localhost:8000"


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL")
    if url is None and os.environ.get("INSIGNE_REQUIRE_POSTGRES") == "1":
        pytest.fail("INSIGNE_REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set", pytrace=False)
    return url


class ScratchDatabase:
    """One empty, migrated database: a SQLite file, or a PostgreSQL schema of its own."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.url = f"sqlite+aiosqlite:///{tmp / f'{uuid.uuid4().hex}.db'}"
            self.engine = create_async_engine(
                self.url, connect_args={"timeout": 30}, **ENGINE_OPTIONS
            )
            configure_sqlite(self.engine)
            self.schema = None
        else:
            base = _postgres_url()
            if base is None:
                pytest.skip("TEST_POSTGRES_URL is not set")
            self.schema = f"insigne_test_{uuid.uuid4().hex[:12]}"
            self.url = base
            self.engine = create_async_engine(
                base,
                connect_args={"server_settings": {"search_path": self.schema}},
                pool_size=25,
                **ENGINE_OPTIONS,
            )

    async def create(self) -> None:
        async with self.engine.connect() as connection:
            if self.schema:
                await connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
                await connection.commit()
            await connection.run_sync(_upgrade, self.url)
            await connection.commit()

    async def drop(self) -> None:
        if self.schema:
            async with self.engine.connect() as connection:
                await connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
                await connection.commit()
        await self.engine.dispose()


def _upgrade(connection: Connection, url: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ScratchDatabase]:
    created = ScratchDatabase(request.param, tmp_path_factory.mktemp("db"))
    await created.create()
    yield created
    await created.drop()


@pytest.fixture
async def fresh_database(
    database: ScratchDatabase, tmp_path: Path
) -> AsyncIterator[ScratchDatabase]:
    """A separate empty database for tests whose transactions must really commit."""
    created = ScratchDatabase(database.backend, tmp_path)
    await created.create()
    yield created
    await created.drop()


@pytest.fixture
def engine(database: ScratchDatabase) -> AsyncEngine:
    return database.engine


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


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
def app(settings: Settings, connection: AsyncConnection, database: ScratchDatabase) -> Litestar:
    return create_app(_for(settings, database), database=SharedConnectionDatabase(connection))


@pytest.fixture
async def runtime(
    settings: Settings, connection: AsyncConnection, database: ScratchDatabase
) -> AsyncIterator[Runtime]:
    """A runtime on the test's connection, for calling the domain directly."""
    built = Runtime.build(_for(settings, database), database=SharedConnectionDatabase(connection))
    yield built
    await built.close()


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


@pytest.fixture
async def demo(session: AsyncSession, runtime: Runtime) -> Demo:
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
