"""A transcript of 200 badges signs and verifies within the canonicalisation guard; the
times are recorded (``pytest -s`` prints them; docs/transcripts.md keeps the figures)."""

import time
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import LearnerRecord
from service.domain.demo import EXPLORER, ISSUER_SLUG
from service.runtime import Runtime
from tests.service.conftest import Getter, MakeClient, operator
from tests.service.factories import completion

BADGES = 200
EMAIL = "marie.tremblay@exemple.qc.ca"


async def _catalogue(session: AsyncSession, runtime: Runtime) -> list[str]:
    """200 trainings (one badge each, as a real record holds: the same training is rare)."""
    services = operator(session, runtime)
    issuer = await services.issuers.find(ISSUER_SLUG)
    assert issuer is not None
    slugs = []
    for number in range(BADGES):
        new = replace(EXPLORER, slug=f"formation-{number}", track=f"Formation {number}")
        slugs.append((await services.achievements.create(issuer.id, new)).slug)
    await session.commit()
    return slugs


# The default verification budget (10 s) fits such a record on an idle machine; a busy CI
# machine (two cores shared) gets more, so the test checks the verdict, not the clock.
# Not traced for coverage: 200 issuances through the tracer doubled the test's time, and the
# smaller transcript tests run the same code.
@pytest.mark.no_cover
@pytest.mark.settings(verify_timeout_seconds=120)
async def test_a_200_badge_transcript_signs_and_verifies_within_the_guard(
    client: httpx.AsyncClient,
    token: Getter,
    make_client: MakeClient,
    session: AsyncSession,
    runtime: Runtime,
) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("measured once, on SQLite: the cost is signing and verifying, not SQL")
    access = {"Authorization": f"Bearer {await token()}"}
    for number, slug in enumerate(await _catalogue(session, runtime)):
        body: dict[str, Any] = completion(f"lot-{number}", achievement=slug)
        body["hours"] = 0.25 + (number % 12) * 0.25
        response = await client.post("/api/v1/completions", json=body, headers=access)
        assert response.status_code == 201, response.text
    reader_id, secret = await make_client(scopes={"portfolio:read"}, issuers={ISSUER_SLUG})
    reader = {"Authorization": f"Bearer {await token('portfolio:read', reader_id, secret)}"}
    learner = await session.scalar(select(LearnerRecord.id).where(LearnerRecord.email == EMAIL))
    path = f"/api/v1/learners/{learner}/transcript"

    started = time.perf_counter()
    signed = await client.get(path, headers=reader)
    signing = time.perf_counter() - started
    started = time.perf_counter()
    cached = await client.get(path, headers=reader)
    reading = time.perf_counter() - started
    started = time.perf_counter()
    report = await client.post(
        "/api/v1/verifications",
        content=b'{"credential":' + signed.content + b"}",
        headers={"Content-Type": "application/json"},
    )
    verifying = time.perf_counter() - started

    print(  # noqa: T201 - the figures the issue asks to record
        f"\n200-badge transcript: {len(signed.content)} bytes; signed in {signing:.2f} s, "
        f"read back (kept) in {reading:.3f} s, verified in {verifying:.2f} s"
    )
    assert signed.status_code == 200, signed.text
    assert cached.content == signed.content
    assert len(signed.json()["credentialSubject"]["verifiableCredential"]) == BADGES
    outcome = report.json()
    assert report.status_code == 200, report.text
    assert outcome["verdict"] == "valid", [c for c in outcome["checks"] if c["status"] != "passed"]
    assert len([c for c in outcome["checks"] if c["code"] == "embedded"]) == BADGES
