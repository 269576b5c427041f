"""The database: engine, one transaction per request, and the migration check.

SQLite (aiosqlite) and PostgreSQL (asyncpg) run the same code. SQLite gets foreign keys on
and writers that take the write lock at BEGIN (``BEGIN IMMEDIATE``), so concurrent requests
queue instead of failing with "database is locked" halfway through; pysqlite's own
transaction handling is switched off, as SQLAlchemy's aiosqlite docs describe, so that
SAVEPOINTs work.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str) -> Config:
    """The Alembic configuration for `database_url` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def create_engine(database_url: str) -> AsyncEngine:
    """An engine with the SQLite settings above when the URL is SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})
    configure_sqlite(engine)
    return engine


def configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on; BEGIN IMMEDIATE emitted by SQLAlchemy, not by pysqlite."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: object) -> None:  # noqa: ANN401 - DBAPI
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None when unmigrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision(database_url: str) -> str | None:
    """The newest revision in ``migrations/``."""
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


class Database:
    """Hands out one session (and one transaction) per request."""

    def __init__(self, engine: AsyncEngine, *, owns_engine: bool = True) -> None:
        self.engine = engine
        self._owns_engine = owns_engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, database_url: str) -> "Database":
        return cls(create_engine(database_url))

    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the handler returns, else rolled back."""
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The same, outside a request (command line, start-up)."""
        async with self._sessions() as session, session.begin():
            yield session

    async def revision(self) -> str | None:
        async with self.engine.connect() as connection:
            return await connection.run_sync(current_revision)

    async def close(self) -> None:
        if self._owns_engine:
            await self.engine.dispose()


class SharedConnectionDatabase(Database):
    """A database bound to one connection in an outer transaction (tests roll it back).

    Each session joins that transaction through a SAVEPOINT, so what a request writes is
    visible to the test and disappears when the test ends.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__(connection.engine, owns_engine=False)
        self._connection = connection
        self._sessions = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    async def revision(self) -> str | None:
        return await self._connection.run_sync(current_revision)
