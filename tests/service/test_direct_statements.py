"""Hot-path statements run on the driver give what ``session.execute`` gives, on both databases.

`service.db.direct.execute` reads some of SQLAlchemy's internals; these tests hold it to
SQLAlchemy's own answers (rows, types, errors, transactions, listeners) for the statements the
hot paths run, so that an upgrade that changes those internals fails here first.
"""

import contextlib
import gc
import uuid
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Executable, bindparam, event, func, insert, literal, select, text
from sqlalchemy.engine import Connection, Result
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from service.db.award_writes import HOLD_KEYS as _HELD
from service.db.direct import execute
from service.db.engine import Database, ReadUnitWrote
from service.db.inserts import table_of
from service.db.tables import AuditEventRecord, ClientRecord, CompletionRecord, CredentialRecord
from service.domain.catalogue.achievements import _BY_SLUG
from service.domain.clients.audit import record_event
from service.domain.clients.clients import _BY_CLIENT_ID, _BY_CLIENT_ID_WITH_EPOCH
from service.domain.clients.webhooks import _SUBSCRIBERS
from service.domain.issuers.epochs import EPOCH_BY_SLUG
from service.domain.issuers.issuers import _KEYS_BY_SLUG, _SIGNING_KEYS
from service.domain.portfolios.portfolios import (
    _ACHIEVEMENTS_BY_ID,
    _EVIDENCE,
    _ISSUERS,
    _ISSUERS_BY_ID,
    _LEARNER_BY_EMAIL,
    _LISTABLE_OF_LEARNERS,
    _SIGNED_FORMS,
)
from service.pipelines.issuance import issue_completion
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import database_for, load_demo_into
from tests.service.domain.test_awards import a_completion

_AUDIT = table_of(AuditEventRecord)
_INSERT_AUDIT = insert(_AUDIT)
_AUDIT_BY_ID = select(_AUDIT).where(_AUDIT.c.id == bindparam("id"))
_CLIENT_ENTITY = select(ClientRecord).where(ClientRecord.client_id == bindparam("client_id"))
# Values the statement holds beside the given one: a text, a JSON document, a date.
_WITH_LITERALS = select(
    ClientRecord.client_id,
    literal({"clé": ["élan", 1]}, JSON),
    literal(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
).where(
    ClientRecord.client_id == bindparam("client_id"),
    ClientRecord.name != "personne",
    ClientRecord.secret_generation >= 0,
)


async def _demo(settings: Settings, scratch: ScratchDatabase) -> tuple[Database, Any]:
    app_settings, database = database_for(settings, scratch)
    return database, await load_demo_into(app_settings, database)


@contextlib.contextmanager
def _heard(database: Database, moment: str) -> Iterator[list[str]]:
    """The statements SQLAlchemy's `moment` listeners are told of while the block runs."""
    heard: list[str] = []

    def _listener(_c: Connection, _cursor: object, statement: str, *_args: object) -> None:
        heard.append(statement)

    event.listen(database.engine.sync_engine, moment, _listener)
    try:
        yield heard
    finally:
        event.remove(database.engine.sync_engine, moment, _listener)


async def _both(
    database: Database, statement: Executable, parameters: dict[str, Any] | None = None
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[str], bool]:
    """Rows from `execute` and from ``session.execute`` (in that order), their keys, and
    whether SQLAlchemy's own execution ran `execute`'s statement (it tells listeners after)."""
    with _heard(database, "after_cursor_execute") as ran:
        async with database.read() as session:
            direct = await execute(session, statement, parameters)
    keys = list(direct.keys())
    direct_rows = [tuple(row) for row in direct.all()]
    async with database.read() as session:
        sqlalchemy_rows = [tuple(row) for row in await session.execute(statement, parameters)]
    return direct_rows, sqlalchemy_rows, keys, bool(ran)


async def test_rows_match_sqlalchemys_for_the_hot_statements(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    database, demo = await _demo(settings, fresh_database)
    async with database.read() as session:
        issuer_id = await session.scalar(text("SELECT id FROM issuers"))
        key_names = list(await session.scalars(text("SELECT name FROM issuer_keys")))
    issuer = uuid.UUID(str(issuer_id)) if not isinstance(issuer_id, uuid.UUID) else issuer_id
    cases: list[tuple[Executable, dict[str, Any] | None]] = [
        (_BY_CLIENT_ID, {"client_id": demo.client_id}),  # arrays (JSON), None, an integer
        (_SIGNING_KEYS, {"issuer": issuer}),  # a UUID in, bytes and datetimes out
        (_KEYS_BY_SLUG, {"slug": demo.issuer}),  # a JSON document, an outer join's NULLs
        (_BY_SLUG, {"slug": demo.achievement}),  # an ORM-enabled SELECT of columns
        (_HELD, {"issuer": issuer, "names": key_names}),  # an expanding IN, FOR SHARE
        (_HELD, {"issuer": issuer, "names": key_names[:1]}),  # the same, another length
        (_HELD, {"issuer": issuer, "names": []}),  # an empty IN
        (_HELD, {"issuer": issuer, "names": key_names[::-1]}),  # the first length again
        (
            _SUBSCRIBERS,
            {
                "event": "credential.issued",
                "issuer_slug": demo.issuer,
                "submitted_by": uuid.uuid4(),
            },
        ),  # no rows
        # scalar subqueries: a UUID and a big integer, or NULLs for no such issuer
        (_BY_CLIENT_ID_WITH_EPOCH, {"client_id": demo.client_id, "slug": demo.issuer}),
        (EPOCH_BY_SLUG, {"slug": demo.issuer}),
        (EPOCH_BY_SLUG, {"slug": "personne"}),
        (_WITH_LITERALS, {"client_id": demo.client_id}),
    ]
    cases += await _portfolio_reads(settings, fresh_database, demo)
    for statement, parameters in cases:
        direct, expected, keys, by_sqlalchemy = await _both(database, statement, parameters)
        assert by_sqlalchemy == (fresh_database.backend == "sqlite"), statement  # the driver's
        assert direct == expected, statement
        assert [type(value) for row in direct for value in row] == [
            type(value) for row in expected for value in row
        ]
        assert keys, statement
    direct, expected, *_ = await _both(database, _BY_CLIENT_ID, {"client_id": "personne"})
    assert direct == expected == []


async def _portfolio_reads(
    settings: Settings, scratch: ScratchDatabase, demo: Any
) -> list[tuple[Executable, dict[str, Any] | None]]:
    """A portfolio's reads (GraphQL's DataLoader batches) of a badge issued for real."""
    app_settings, database = database_for(settings, scratch)
    runtime = Runtime.build(app_settings, database=database)
    try:
        async with runtime.read() as unit:
            token = await unit.clients.issue_token(demo.client_id, demo.client_secret, None)
            platform = await unit.clients.principal(token.token)
        award = await issue_completion(runtime, platform, a_completion())
        async with database.read() as session:
            found = (
                await session.execute(
                    select(
                        CompletionRecord.learner_id,
                        CompletionRecord.achievement_id,
                        CredentialRecord.issuer_id,
                    )
                    .join(CredentialRecord, CredentialRecord.completion_id == CompletionRecord.id)
                    .where(CredentialRecord.id == award.credential_id)
                )
            ).one()
    finally:
        await runtime.close()
    learner, achievement, issuer = found
    return [
        (_LEARNER_BY_EMAIL, {"email": a_completion().learner.email}),  # a UUID out
        (_LISTABLE_OF_LEARNERS, {"ids": [learner, uuid.uuid4()]}),  # joins, the facts
        (_SIGNED_FORMS, {"ids": [award.credential_id]}),  # long texts
        (_EVIDENCE, {"ids": [award.credential_id]}),  # a coalesce, an outer join
        (_EVIDENCE, {"ids": []}),
        (_ACHIEVEMENTS_BY_ID, {"ids": [achievement, uuid.uuid4()]}),  # JSON arrays
        (_ISSUERS_BY_ID, {"ids": [issuer]}),
        (_ISSUERS, None),
    ]


async def test_rows_keep_their_names_and_datetimes_stay_utc(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    database, demo = await _demo(settings, fresh_database)
    async with database.read() as session:
        row = (await execute(session, _BY_CLIENT_ID, {"client_id": demo.client_id})).one()
    assert row.client_id == demo.client_id
    assert "completions:write" in row.scopes
    event_id = uuid.uuid4()
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    async with database.write() as session:
        values = {"id": event_id, "at": at, "actor": "test", "action": "a", "subject": "s"}
        await execute(session, _INSERT_AUDIT, {**values, "detail": {"é": "à"}, "issuer": None})
    async with database.read() as session:
        stored = (await execute(session, _AUDIT_BY_ID, {"id": event_id})).one()
    assert (stored.at, stored.at.tzinfo, stored.detail) == (at, UTC, {"é": "à"})


async def test_a_clash_raises_sqlalchemys_integrity_error_without_the_values(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    _, database = database_for(settings, fresh_database)
    values = {
        "id": uuid.uuid4(),
        "at": datetime.now(UTC),
        "actor": "test",
        "action": "a",
        "subject": "secret-subject@exemple.qc.ca",
        "detail": {},
        "issuer": None,
    }
    async with database.write() as session:
        await execute(session, _INSERT_AUDIT, values)
    with pytest.raises(IntegrityError) as raised:
        async with database.write() as session:
            await execute(session, _INSERT_AUDIT, values)
    assert "secret-subject" not in str(raised.value)
    async with database.write() as session:  # the pool's connection is usable again
        await execute(session, _INSERT_AUDIT, {**values, "id": uuid.uuid4()})
    assert database.checked_out() == 0


async def test_listeners_see_each_statement_and_a_read_unit_still_cannot_write(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    database, demo = await _demo(settings, fresh_database)
    with _heard(database, "before_cursor_execute") as seen:
        async with database.read() as session:
            await execute(session, _BY_CLIENT_ID, {"client_id": demo.client_id})
    assert [s for s in seen if "FROM clients" in s]
    if fresh_database.backend == "postgres":
        with pytest.raises(ReadUnitWrote):
            async with database.read() as session:
                await record_event(session, actor="test", action="test", subject="refused")


async def test_what_needs_the_orm_is_left_to_the_session(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    database, demo = await _demo(settings, fresh_database)
    name_of = select(ClientRecord.name).where(ClientRecord.client_id == bindparam("client_id"))
    names = []
    for run in (execute, _session_execute):
        async with database.write() as session:
            found = await run(session, _CLIENT_ENTITY, {"client_id": demo.client_id})
            record = found.scalar()
            assert isinstance(record, ClientRecord)  # mapped objects: loaded by the ORM
            record.name = "Renommée"  # not flushed yet: the ORM flushes it before a SELECT
            names.append((await run(session, name_of, {"client_id": demo.client_id})).scalar())
            await session.rollback()
    assert names == ["Renommée", "Renommée"]


async def _session_execute(
    session: AsyncSession, statement: Executable, parameters: dict[str, Any]
) -> Result[Any]:
    return await session.execute(statement, parameters)


_BACKEND = select(func.pg_backend_pid())


async def test_a_connection_lost_mid_unit_is_dropped_from_the_pool(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    if fresh_database.backend != "postgres":
        pytest.skip("SQLite has no server to lose the connection")
    database, demo = await _demo(settings, fresh_database)
    await database.engine.dispose()  # one pooled connection from here on
    async with database.read() as session:
        victim = (await execute(session, _BACKEND)).scalar()
    admin = create_async_engine(fresh_database.url)
    try:
        async with admin.connect() as other:
            await other.execute(select(func.pg_terminate_backend(victim)))
    finally:
        await admin.dispose()
    with pytest.raises(DBAPIError) as raised:
        async with database.read() as session:
            await execute(session, _BY_CLIENT_ID, {"client_id": demo.client_id})
    assert raised.value.connection_invalidated
    async with database.read() as session:
        assert (await execute(session, _BACKEND)).scalar() not in (None, victim)
    assert database.checked_out() == 0


@pytest.mark.parametrize("unit", ["read", "write", "reserve"])
async def test_a_unit_s_session_is_freed_when_it_ends_not_left_to_the_collector(
    settings: Settings, fresh_database: ScratchDatabase, unit: str
) -> None:
    """The connection kept beside the transaction (`session.info`) made the session a cycle:
    two units per completion and six per portfolio query left it all for a collection."""
    database, demo = await _demo(settings, fresh_database)

    async def one_unit() -> weakref.ref[Session]:
        async with getattr(database, unit)() as session:
            await execute(session, _BY_CLIENT_ID, {"client_id": demo.client_id})
            return weakref.ref(session.sync_session)

    gc.collect()
    gc.disable()
    try:
        left = (await one_unit())()
    finally:
        gc.enable()
    assert left is None, [type(holder) for holder in gc.get_referrers(left)]
