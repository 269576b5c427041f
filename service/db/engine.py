"""The database: engine, read and write units of work, and the migration check.

SQLite (aiosqlite) and PostgreSQL (asyncpg) run the same code. A *read* unit never writes
(it ends in a rollback) and, on SQLite, takes no write lock: it begins with a deferred
``BEGIN``, and WAL lets it read while a writer works. A *write* unit is short, commits when
its block ends and rolls back when it raises; on SQLite it takes the write lock at BEGIN
(``BEGIN IMMEDIATE``), so concurrent writers queue instead of failing with "database is
locked" halfway through. pysqlite's own transaction handling is switched off, as
SQLAlchemy's aiosqlite docs describe, so that SAVEPOINTs work. Either unit's session is
closed, and its connection returned, whatever raises, cancellation included.

A *reserving* unit (`Database.reserve`) reads and takes counters (one statement each).

On PostgreSQL a read unit runs in autocommit: at READ COMMITTED (the default, which the
service keeps) each statement has a snapshot of its own inside a transaction too, so
``BEGIN`` and ``ROLLBACK`` only cost two round trips per unit. A read unit that tries
anything but ``SELECT`` fails (`ReadUnitWrote`) instead of being rolled back.

A pooled connection is pinged before use only after it sat idle (`ping_when_idle`).
The pool keeps as many connections as a process serves units at once (`POOL_SIZE`): with
fewer, each burst past the pool's size opens and closes connections, a handshake each.
"""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

if TYPE_CHECKING:
    from alembic.config import Config

_READ_OPTION = "insigne_read_unit"
POOL_SIZE = 20
IDLE_PING_SECONDS = 1.0
_LAST_USED = "insigne_last_used"
MAX_OVERFLOW = 10
ENGINE_OPTIONS: dict[str, Any] = {"hide_parameters": True}
"""For every engine: a database error's message (in logs, in debug tracebacks) never carries
the statement's parameters, which hold learners' names, e-mails and reflections."""
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str) -> "Config":
    """The Alembic configuration for `database_url` (no alembic.ini needed)."""
    from alembic.config import Config  # here: alembic is for migrations and readiness only

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


class ReadUnitWrote(RuntimeError):
    """A read unit ran a statement other than SELECT: a programming error."""


def create_engine(
    database_url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW
) -> AsyncEngine:
    """An engine with the SQLite settings above when the URL is SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        engine = create_async_engine(
            url, pool_size=pool_size, max_overflow=max_overflow, **ENGINE_OPTIONS
        )
        ping_when_idle(engine)
        return engine
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **ENGINE_OPTIONS)
    configure_sqlite(engine)
    return engine


def ping_when_idle(engine: AsyncEngine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Ping a pooled connection before use only when it sat idle for `idle_seconds`.

    ``pool_pre_ping`` pings at every checkout: a round trip per unit of work, a fifth of a
    credential read's CPU under load. A connection in steady use has just proved itself; one
    that sat idle (a database restart, a proxy's timeout) is pinged, and replaced if dead.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: object, record: Any) -> None:  # noqa: ANN401 - pool's
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: object) -> None:  # noqa: ANN401
        if time.monotonic() - record.info.get(_LAST_USED, 0.0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool replaces it (up to three tries)
            raise DisconnectionError from error


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
        is_read = connection.get_execution_options().get(_READ_OPTION, False)
        connection.exec_driver_sql("BEGIN" if is_read else "BEGIN IMMEDIATE")


def _read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine read units use: autocommit and SELECT only on PostgreSQL (see above)."""
    if engine.dialect.name != "postgresql":
        return engine.execution_options(**{_READ_OPTION: True})
    reader = engine.execution_options(**{_READ_OPTION: True, "isolation_level": "AUTOCOMMIT"})

    @event.listens_for(reader.sync_engine, "before_cursor_execute")
    def _selects_only(
        _connection: Connection, _cursor: object, statement: str, *_args: object
    ) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            raise ReadUnitWrote(f"a read unit may only SELECT: {statement.split(maxsplit=1)[0]}")

    return reader


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None when unmigrated)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def head_revision(database_url: str) -> str | None:
    """The newest revision in ``migrations/``."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


class Database:
    """Hands out read and write units of work (one session and transaction each)."""

    # How many units concurrent tasks may hold at once (None: as many as the pool gives).
    max_parallel_units: int | None = None

    def __init__(self, engine: AsyncEngine, *, owns_engine: bool = True) -> None:
        self.engine = engine
        self._owns_engine = owns_engine
        self._writers = async_sessionmaker(engine, expire_on_commit=False)
        self._readers = async_sessionmaker(_read_engine(engine), expire_on_commit=False)
        self._reservers: async_sessionmaker[AsyncSession] | None = (
            async_sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
            )
            if engine.dialect.name == "postgresql"
            else None
        )

    @classmethod
    def from_url(
        cls, database_url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW
    ) -> "Database":
        return cls(create_engine(database_url, pool_size=pool_size, max_overflow=max_overflow))

    # Each unit empties its session's ``info`` as it ends: `service.db.direct` keeps the
    # transaction's connection there, which makes the session a reference cycle, and a cycle
    # waits for a garbage collection (that walks every young object while a request waits).

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read unit: nothing it does is kept (it ends in a rollback)."""
        async with self._readers() as session:
            try:
                yield session
            finally:
                session.info.clear()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write unit: committed when the block ends, rolled back when it raises."""
        async with self._writers() as session:
            try:
                async with session.begin():
                    yield session
            finally:
                session.info.clear()

    @asynccontextmanager
    async def reserve(self) -> AsyncIterator[AsyncSession]:
        """A reserving unit: reads, and writes of one statement each that stand on their own.

        For taking a counter (a status index) between reads: on PostgreSQL each statement
        commits by itself (autocommit, as read units), so a row lock lasts one statement and
        nothing is left to roll back; elsewhere it is a write unit (SQLite serialises writers).
        """
        if self._reservers is None:
            async with self.write() as session:
                yield session
            return
        async with self._reservers() as session:
            try:
                yield session
            finally:
                session.info.clear()

    async def revision(self) -> str | None:
        async with self.engine.connect() as connection:
            return await connection.run_sync(current_revision)

    def checked_out(self) -> int:
        """Connections handed out by the pool now (0 when no unit is open)."""
        pool = self.engine.sync_engine.pool
        return int(getattr(pool, "checkedout", lambda: 0)())

    async def close(self) -> None:
        if self._owns_engine:
            await self.engine.dispose()


class SharedConnectionDatabase(Database):
    """A database bound to one connection in an outer transaction (tests roll it back).

    Each unit joins that transaction through a SAVEPOINT, so what a request writes is
    visible to the test and disappears when the test ends. One connection serves one task
    at a time, so callers that open units from concurrent tasks must take turns. `bind`
    moves it to another connection: the tests build one app per database for the whole
    session and bind it to each test's connection.
    """

    max_parallel_units = 1
    _connection: AsyncConnection | None = None

    def __init__(self, connection: AsyncConnection | AsyncEngine) -> None:
        """Bound to `connection` now, or (given an engine) by a later `bind`."""
        engine = connection if isinstance(connection, AsyncEngine) else connection.engine
        super().__init__(engine, owns_engine=False)
        self._reservers = None
        if isinstance(connection, AsyncConnection):
            self.bind(connection)

    def bind(self, connection: AsyncConnection) -> None:
        """Open every later unit on `connection` (a test's, inside its outer transaction)."""
        self.engine = connection.engine
        self._connection = connection
        self._writers = self._readers = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self._reservers = None  # a write unit: its SAVEPOINT keeps what it takes

    async def revision(self) -> str | None:
        if self._connection is None:
            raise RuntimeError("SharedConnectionDatabase.bind was never called")
        return await self._connection.run_sync(current_revision)
