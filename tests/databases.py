"""Test databases, each a copy of one migrated template per backend.

``alembic upgrade head`` runs once per backend and session, into a template; every database
a test gets is a copy of it: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL. Migrating took longer than copying, and every fresh database paid for it.
"""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from service.db.engine import ENGINE_OPTIONS, alembic_config, configure_sqlite
from service.domain.demo import Demo

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
NAME_PREFIX = "insigne_test_"


def postgres_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL")
    if url is None and os.environ.get("INSIGNE_REQUIRE_POSTGRES") == "1":
        pytest.fail("INSIGNE_REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set", pytrace=False)
    return url


class ScratchDatabase:
    """One migrated database of the tests' own, and its engine.

    `demo`: the demo committed in it, when it has one.
    """

    def __init__(self, backend: str, url: str, engine: AsyncEngine, drop: str | None) -> None:
        self.backend = backend
        self.url = url
        self.engine = engine
        self.demo: Demo | None = None
        self._drop = drop  # the statement that drops it (PostgreSQL), None for a file

    async def drop(self) -> None:
        await self.engine.dispose()
        if self._drop is not None:
            await _run_autocommit(self._drop)


class Templates:
    """Makes copies of one migrated template database for a backend."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self._folder = folder
        self._template = ""

    async def create(self) -> None:
        """Migrate the template (once)."""
        if self.backend == "sqlite":
            self._template = str(self._folder / "template.db")
            url = f"sqlite+aiosqlite:///{self._template}"
        else:
            base = postgres_url()
            if base is None:
                pytest.skip("TEST_POSTGRES_URL is not set")
            self._template = f"{NAME_PREFIX}template_{uuid.uuid4().hex[:12]}"
            await _run_autocommit(f'CREATE DATABASE "{self._template}"')
            url = _with_database(base, self._template)
        engine = create_async_engine(url, **ENGINE_OPTIONS)
        if self.backend == "sqlite":
            configure_sqlite(engine)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(_upgrade, url)
                await connection.commit()
        finally:
            # PostgreSQL copies only a template nobody is connected to; SQLite folds its WAL
            # into the main file when the last connection closes, so the file is the copy.
            await engine.dispose()

    async def copy(self) -> ScratchDatabase:
        """A new database holding what the template holds."""
        if self.backend == "sqlite":
            path = self._folder / f"{uuid.uuid4().hex}.db"
            shutil.copyfile(self._template, path)
            url = f"sqlite+aiosqlite:///{path}"
            engine = create_async_engine(url, connect_args={"timeout": 30}, **ENGINE_OPTIONS)
            configure_sqlite(engine)
            return ScratchDatabase("sqlite", url, engine, drop=None)
        base = postgres_url()
        assert base is not None
        name = f"{NAME_PREFIX}{uuid.uuid4().hex[:12]}"
        await _run_autocommit(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        url = _with_database(base, name)
        engine = create_async_engine(url, pool_size=25, **ENGINE_OPTIONS)
        return ScratchDatabase(
            "postgres", url, engine, drop=f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        )

    async def drop(self) -> None:
        if self.backend == "postgres" and self._template:
            await _run_autocommit(f'DROP DATABASE IF EXISTS "{self._template}" WITH (FORCE)')


def _upgrade(connection: Connection, url: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _run_autocommit(statement: str) -> None:
    """CREATE and DROP DATABASE run outside a transaction, on the server's own database."""
    base = postgres_url()
    assert base is not None
    engine = create_async_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()
