"""The award pipeline and the verifier, called directly (as GraphQL and workers will)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from openbadges.models import format_datetime
from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.db.tables import CompletionRecord, StatusListRecord
from service.domain.clients.clients import Principal
from service.domain.credentials.awards import CompletionRequest, ListNeeded, SlotTaken
from service.domain.credentials.completions import Completion, Learner, Reflection
from service.domain.credentials.credentials import Draft, build_credential, sign_both_ways
from service.domain.demo import ACHIEVEMENT_SLUG, Demo
from service.domain.errors import Conflict, InvalidInput, Unauthorized
from service.domain.verification.verifications import Submission
from service.pipelines.issuance import issue_completion
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import PUBLIC_URL, asgi
from tests.service.factories import ANSWERS


def a_completion(external_id: str = "direct-1", **changes: object) -> Completion:
    values: dict[str, object] = {
        "achievement": ACHIEVEMENT_SLUG,
        "external_id": external_id,
        "learner": Learner("marie.tremblay@exemple.qc.ca", "Marie Tremblay", None),
        "completed_at": datetime(2026, 11, 20, 19, 3, 12, tzinfo=UTC),
        "share_reflections": False,
        "reflections": tuple(Reflection(key, answer) for key, answer in ANSWERS.items()),
    }
    return Completion.normalised(**{**values, **changes})


@pytest.fixture
async def platform(demo: Demo, runtime: Runtime) -> Principal:
    async with runtime.read() as unit:
        token = await unit.clients.issue_token(demo.client_id, demo.client_secret, None)
        return await unit.clients.principal(token.token)


async def test_issue_completion_then_replay_and_conflict(
    runtime: Runtime, platform: Principal
) -> None:
    first = await issue_completion(runtime, platform, a_completion())
    again = await issue_completion(runtime, platform, a_completion())

    assert first.is_new
    assert not again.is_new
    assert again == first
    with pytest.raises(Conflict):
        await issue_completion(
            runtime, platform, a_completion(learner=Learner("autre@exemple.qc.ca", "Autre", None))
        )


async def test_an_invalid_completion_writes_nothing(
    runtime: Runtime, platform: Principal, session: AsyncSession
) -> None:
    with pytest.raises(InvalidInput):
        await issue_completion(runtime, platform, a_completion(achievement="inconnu"))
    with pytest.raises(Unauthorized):
        async with runtime.read(None) as unit:
            await unit.awards.prepare(CompletionRequest(a_completion(), None))

    assert await session.scalar(select(func.count()).select_from(CompletionRecord)) == 0


async def _draft(runtime: Runtime, platform: Principal, request: CompletionRequest) -> Draft:
    async with runtime.reserve(platform) as unit:
        draft = await unit.awards.prepare(request)
    if isinstance(draft, ListNeeded):
        async with runtime.write(platform) as unit:
            await unit.status_lists.start(
                unit.status_lists.new_list(draft.issuer, draft.sequence, draft.purpose)
            )
        return await _draft(runtime, platform, request)
    assert isinstance(draft, Draft)
    return draft


async def test_a_taken_status_index_rolls_the_whole_store_back(
    runtime: Runtime, platform: Principal, session: AsyncSession
) -> None:
    winner = await issue_completion(runtime, platform, a_completion("premier"))
    index = int(winner.document["credentialStatus"]["statusListIndex"])
    request = CompletionRequest(a_completion("second"), None)
    draft = await _draft(runtime, platform, request)
    clash = replace(draft, status_index=index, status=winner.document["credentialStatus"])
    signed = sign_both_ways(build_credential(clash, runtime.urls), clash.issuer, clash.issued_at)

    with pytest.raises(SlotTaken):
        async with runtime.write(platform) as unit:
            await unit.awards.store(request, clash, signed)

    external_ids = await session.scalars(select(CompletionRecord.external_id))
    assert list(external_ids) == ["premier"]


async def test_a_full_list_makes_way_for_the_next(
    runtime: Runtime, platform: Principal, session: AsyncSession
) -> None:
    award = await issue_completion(runtime, platform, a_completion("remplit"))
    record = await session.scalar(select(StatusListRecord))
    assert record is not None
    # Every index but one handed out: the last one is taken, then the next list must start.
    record.allocated = record.size - 1
    await session.commit()

    async with runtime.reserve(platform) as unit:
        last = await unit.status_lists.take_slot(record.issuer_id)
    async with runtime.reserve(platform) as unit:
        after = await unit.status_lists.take_slot(record.issuer_id)

    assert award.is_new
    assert (last.list_id, last.sequence) == (record.id, record.sequence)
    assert last.index is not None
    assert (after.list_id, after.index, after.sequence) == (None, None, record.sequence + 1)


async def test_a_list_made_before_counters_takes_no_more_indexes(
    runtime: Runtime, platform: Principal, session: AsyncSession
) -> None:
    first = await issue_completion(runtime, platform, a_completion("ancienne"))
    # As migration 0016 leaves a list that sampled its indexes: no key, counted full.
    await session.execute(
        update(StatusListRecord).values(slot_key=None, allocated=StatusListRecord.size)
    )
    await session.commit()

    second = await issue_completion(runtime, platform, a_completion("nouvelle"))
    sequences = (await session.scalars(select(StatusListRecord.sequence))).all()

    assert (
        first.document["credentialStatus"]["statusListCredential"]
        != (second.document["credentialStatus"]["statusListCredential"])
    )
    assert sorted(sequences) == [1, 2]


async def test_the_verifier_reads_own_documents_from_the_database(
    runtime: Runtime, platform: Principal
) -> None:
    award = await issue_completion(runtime, platform, a_completion())
    verifier = runtime.verifications()

    by_link = await verifier.verify(
        Submission(url=award.url, recipient_email="marie.tremblay@exemple.qc.ca")
    )
    tampered = {**award.document, "name": "Un autre badge"}
    forged = await verifier.verify(Submission(credential=tampered))

    assert by_link.verified, by_link.checks
    assert {c["code"]: c["status"] for c in by_link.checks}["known-issuer"] == "passed"
    assert not forged.verified


async def test_a_frozen_clock_reaches_issuance(
    settings: Settings, database: ScratchDatabase, connection: AsyncConnection, demo: Demo
) -> None:
    # Five minutes ago: tokens the frozen clock signs must still be valid for PyJWT.
    frozen = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    app = create_app(
        replace(settings, database_url=database.url),
        database=SharedConnectionDatabase(connection),
        clock=lambda: frozen,
    )
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        token = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(demo.client_id, demo.client_secret),
        )
        assert token.status_code == 200, token.text
        body = {
            "achievement": ACHIEVEMENT_SLUG,
            "externalId": "gel",
            "learner": {"email": "gel@exemple.qc.ca", "name": "Gel"},
            "completedAt": format_datetime(frozen - timedelta(days=1)),
            "reflections": [{"prompt": k, "answer": v} for k, v in ANSWERS.items()],
        }
        issued = await client.post(
            "/api/v1/completions",
            json=body,
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )

    assert issued.status_code == 201, issued.text
    credential = issued.json()["credential"]
    assert credential["validFrom"] == format_datetime(frozen)
    assert credential["proof"][0]["created"] == format_datetime(frozen)
