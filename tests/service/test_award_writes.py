"""An award's write keeps all of its rows or none, on units that really commit.

On PostgreSQL the write is one statement on a reserving unit (autocommit): nothing but the
statement itself can undo a half-written award, so these tests run on a database of their own
(not inside a test's outer transaction) and read what was kept afterwards.
"""

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import (
    AuditEventRecord,
    CompletionRecord,
    CredentialRecord,
    EvidenceRecord,
    LearnerRecord,
)
from service.domain.clients.clients import Principal
from service.domain.credentials.awards import CompletionRequest, KeysChanged, SlotTaken
from service.domain.credentials.completions import Learner
from service.domain.credentials.credentials import build_credential, sign_both_ways
from service.domain.demo import ISSUER_SLUG
from service.pipelines.issuance import issue_completion
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import database_for, load_demo_into
from tests.service.domain.test_awards import _draft, a_completion
from tests.service.test_units_of_work import count_statements

_SECOND = Learner("autre.personne@exemple.qc.ca", "Autre Personne", None)


@pytest.fixture
async def committing(
    settings: Settings, fresh_database: ScratchDatabase
) -> AsyncIterator[tuple[Runtime, Principal]]:
    app_settings, database = database_for(settings, fresh_database)
    demo = await load_demo_into(app_settings, database)
    runtime = Runtime.build(app_settings, database=database)
    async with runtime.read() as unit:
        token = await unit.clients.issue_token(demo.client_id, demo.client_secret, None)
        platform = await unit.clients.principal(token.token)
    try:
        yield runtime, platform
    finally:
        await runtime.close()


async def _kept(runtime: Runtime) -> dict[str, int]:
    async with runtime.database.read() as session:
        return {
            record.__tablename__: await _count(session, record)
            for record in (
                LearnerRecord,
                CompletionRecord,
                EvidenceRecord,
                CredentialRecord,
                AuditEventRecord,
            )
        }


async def _count(session: AsyncSession, record: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(record)) or 0)


async def test_an_index_taken_meanwhile_keeps_nothing_of_the_award(
    committing: tuple[Runtime, Principal],
) -> None:
    runtime, platform = committing
    winner = await issue_completion(runtime, platform, a_completion("premier"))
    before = await _kept(runtime)
    request = CompletionRequest(a_completion("second", learner=_SECOND), None)
    draft = await _draft(runtime, platform, request)
    index = int(winner.document["credentialStatus"]["statusListIndex"])
    clash = replace(draft, status_index=index, status=winner.document["credentialStatus"])
    signed = sign_both_ways(build_credential(clash, runtime.urls), clash.issuer, clash.issued_at)

    with pytest.raises(SlotTaken):
        async with runtime.reserve(platform) as unit:  # the pipeline's unit for the store
            await unit.awards.store(request, clash, signed)

    assert await _kept(runtime) == before  # not even the new learner
    award = await issue_completion(runtime, platform, request.completion)
    assert award.is_new
    after = await _kept(runtime)
    assert after["evidence"] == before["evidence"] + len(request.completion.reflections)
    assert after["credentials"] == after["audit_events"] - before["audit_events"] + 1


async def test_keys_retired_meanwhile_keep_nothing_of_the_award(
    committing: tuple[Runtime, Principal],
) -> None:
    runtime, platform = committing
    await issue_completion(runtime, platform, a_completion("premier"))
    request = CompletionRequest(a_completion("second", learner=_SECOND), None)
    draft = await _draft(runtime, platform, request)
    signed = sign_both_ways(build_credential(draft, runtime.urls), draft.issuer, draft.issued_at)
    async with runtime.write(is_operator=True) as unit:  # as the command line rotates
        await unit.keys.rotate(ISSUER_SLUG, actor="cli")
    before = await _kept(runtime)

    with pytest.raises(KeysChanged):
        async with runtime.reserve(platform) as unit:
            await unit.awards.store(request, draft, signed)

    assert await _kept(runtime) == before


async def test_an_award_is_written_by_one_statement_on_postgresql(
    committing: tuple[Runtime, Principal], fresh_database: ScratchDatabase
) -> None:
    runtime, platform = committing
    await issue_completion(runtime, platform, a_completion("premier"))  # the list starts
    request = CompletionRequest(a_completion("second", learner=_SECOND), None)
    draft = await _draft(runtime, platform, request)
    signed = sign_both_ways(build_credential(draft, runtime.urls), draft.issuer, draft.issued_at)

    statements = count_statements(fresh_database)
    async with runtime.reserve(platform) as unit:
        award = await unit.awards.store(request, draft, signed)

    assert award.is_new
    # SQLite has no data-modifying CTEs: its steps (keys, learner, completion, evidence,
    # credential, audit) run in the unit's transaction.
    assert len(statements) == (1 if fresh_database.backend == "postgres" else 6), statements
