"""Continuing-education transcripts (signed CLR 2.0 records) through REST, checked by vc-js and
openbadgeslib; the record holds each badge byte for byte and follows the visibility policy."""

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from openbadgeslib.ob3 import OB3LdpVerifier
from openbadgeslib.ob3.clr import bundled_clr_contexts
from openbadgeslib.ob3.did import fetch_did_web_document, pem_for_kid
from openbadgeslib.ob3.ldp import verify_data_integrity_proof
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.dids import did_web_to_url
from service.db.tables import CredentialRecord, LearnerRecord, TranscriptRecord
from service.domain.demo import ISSUER_SLUG
from service.pipelines.transcript_issuance import SIGNERS
from service.runtime import Runtime
from tests.interop.dbstack import DbStack
from tests.service.conftest import Getter, MakeClient, revoke
from tests.service.factories import ANSWERS, completion
from tests.threads import worker_threads

pytestmark = pytest.mark.interop

EMAIL = "marie.tremblay@exemple.qc.ca"
CONTEXTS = Path(__file__).resolve().parents[2] / "openbadges" / "contexts"
CLR_TYPES = ["VerifiableCredential", "ClrCredential"]


async def issue(
    client: httpx.AsyncClient, access: str, external_id: str, **changes: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion(external_id, **changes),
        headers={"Authorization": f"Bearer {access}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def learner_id(session: AsyncSession, email: str = EMAIL) -> uuid.UUID:
    found = await session.scalar(select(LearnerRecord.id).where(LearnerRecord.email == email))
    assert found is not None
    return found


@pytest.fixture
async def reader(token: Getter, make_client: MakeClient) -> dict[str, str]:
    client_id, secret = await make_client(scopes={"portfolio:read"}, issuers={ISSUER_SLUG})
    return {"Authorization": f"Bearer {await token('portfolio:read', client_id, secret)}"}


@pytest.fixture
async def badges(
    client: httpx.AsyncClient, token: Getter, session: AsyncSession, runtime: Runtime
) -> dict[str, dict[str, Any]]:
    """Marie's badges: two valid this period, one hidden, one revoked, one from 2024."""
    access = await token()
    issued = {
        "first": await issue(client, access, "t-1", completedAt="2025-09-10T10:00:00-04:00"),
        "second": await issue(client, access, "t-2", hours=1.5),
        "hidden": await issue(client, access, "t-3"),
        "revoked": await issue(client, access, "t-4"),
        "earlier": await issue(client, access, "t-5", completedAt="2024-03-01T10:00:00-05:00"),
        "other": await issue(
            client, access, "t-6", learner={"email": "luc@exemple.qc.ca", "name": "Luc Roy"}
        ),
    }
    await session.execute(
        update(CredentialRecord)
        .where(CredentialRecord.id == uuid.UUID(issued["hidden"]["id"]))
        .values(hidden=True)
    )
    await revoke(session, runtime, uuid.UUID(issued["revoked"]["id"]))
    await session.commit()
    return issued


def held(record: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = record["credentialSubject"]["verifiableCredential"]
    return found


async def documents_for(client: httpx.AsyncClient) -> dict[str, Any]:
    """What a verifier fetches: the contexts and the demo issuer's DID document."""
    documents: dict[str, Any] = {}
    for context in json.loads((CONTEXTS / "manifest.json").read_text()):
        documents[context["url"]] = json.loads((CONTEXTS / context["file"]).read_text())
    did_document = (await client.get(f"/issuers/{ISSUER_SLUG}/did.json")).json()
    documents[did_document["id"]] = did_document
    documents[did_web_to_url(did_document["id"])] = did_document
    return documents


async def test_a_platform_gets_the_periods_visible_valid_badges_byte_for_byte(
    client: httpx.AsyncClient,
    reader: dict[str, str],
    badges: dict[str, dict[str, Any]],
    session: AsyncSession,
) -> None:
    learner = await learner_id(session)

    response = await client.get(f"/api/v1/learners/{learner}/transcript", headers=reader)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vc+ld+json")
    record = response.json()
    assert record["type"] == CLR_TYPES
    assert record["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert [c["id"] for c in held(record)] == [badges["first"]["url"], badges["second"]["url"]]
    for name in ("first", "second"):  # each badge's own bytes, as its URL serves them
        served = (await client.get(badges[name]["url"] + ".json")).content
        assert served in response.content
    assert "2025-07-01" in record["name"]
    assert "2027-06-30" in record["name"]
    assert "4.5 h" in record["description"]  # 3 + 1.5, recomputed from the badges
    assert record["issuer"]["id"] == held(record)[0]["issuer"]["id"]
    assert record["credentialSubject"]["type"] == ["ClrSubject"]
    assert [a["id"] for a in record["credentialSubject"]["achievement"]] == [
        held(record)[0]["credentialSubject"]["achievement"]["id"]
    ]
    assert record["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    # No reflection leaves: the badges were issued private, only digests are held.
    assert ANSWERS["retenir"][:40] not in response.text
    assert all("narrative" not in e for c in held(record) for e in c["evidence"])


async def test_the_record_and_each_badge_verify_in_vc_js_and_openbadgeslib(
    client: httpx.AsyncClient,
    reader: dict[str, str],
    badges: dict[str, dict[str, Any]],
    session: AsyncSession,
    dbstack: DbStack,
) -> None:
    learner = await learner_id(session)
    response = await client.get(f"/api/v1/learners/{learner}/transcript", headers=reader)
    record = response.json()
    documents = await documents_for(client)

    outcome = dbstack.verify(record, documents)
    assert outcome == (True, []), outcome[1]
    for credential in held(record):
        assert dbstack.verify(credential, documents) == (True, [])
    # openbadgeslib: the record's proof (its pinned CLR 2.0.1 context), each badge in full.
    download = _download(documents)
    issuer = record["issuer"]["id"]
    method = record["proof"][0]["verificationMethod"]
    pem = pem_for_kid(fetch_did_web_document(issuer, download), issuer, method)
    verify_data_integrity_proof(record, pem, extra_contexts=bundled_clr_contexts())
    for credential in held(record):
        OB3LdpVerifier().verify(credential, check_status=False, download=download)
    tampered = json.loads(response.content)
    held(tampered)[1]["credentialSubject"]["creditsEarned"] = 30
    failed, errors = dbstack.verify(tampered, documents)
    assert not failed
    assert errors


def _download(documents: dict[str, Any]) -> Any:
    def download(url: str, *_: Any, **__: Any) -> bytes:
        if url not in documents:
            raise OSError(f"offline: no document for {url}")
        return json.dumps(documents[url]).encode()

    return download


async def test_a_period_a_range_and_a_wrong_period(
    client: httpx.AsyncClient,
    reader: dict[str, str],
    badges: dict[str, dict[str, Any]],
    session: AsyncSession,
) -> None:
    path = f"/api/v1/learners/{await learner_id(session)}/transcript"

    earlier = await client.get(path, params={"period": "2023-2025"}, headers=reader)
    ranged = await client.get(path, params={"period": "2025-09-01/2025-09-30"}, headers=reader)
    empty = await client.get(path, params={"period": "2019-2021"}, headers=reader)
    wrong = await client.get(path, params={"period": "2024-2026"}, headers=reader)
    jwt = await client.get(path, headers={**reader, "Accept": "application/vc+jwt"})

    assert [c["id"] for c in held(earlier.json())] == [badges["earlier"]["url"]]
    assert [c["id"] for c in held(ranged.json())] == [badges["first"]["url"]]
    assert empty.status_code == 404
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert jwt.headers["content-type"].startswith("application/vc+jwt")
    assert jwt.text.count(".") == 2


async def test_the_record_is_kept_until_one_of_its_badges_changes(
    client: httpx.AsyncClient,
    reader: dict[str, str],
    badges: dict[str, dict[str, Any]],
    session: AsyncSession,
    runtime: Runtime,
) -> None:
    path = f"/api/v1/learners/{await learner_id(session)}/transcript"

    first = await client.get(path, headers=reader)
    again = await client.get(path, headers=reader)
    await revoke(session, runtime, uuid.UUID(badges["second"]["id"]))
    await session.commit()
    after = await client.get(path, headers=reader)
    public = await client.get(after.json()["id"])

    assert again.content == first.content
    assert after.json()["id"] != first.json()["id"]
    assert [c["id"] for c in held(after.json())] == [badges["first"]["url"]]
    assert await session.scalar(select(func.count()).select_from(TranscriptRecord)) == 2
    assert public.content == after.content


async def test_a_record_is_signed_in_a_worker_thread_once(
    client: httpx.AsyncClient,
    reader: dict[str, str],
    badges: dict[str, dict[str, Any]],
    session: AsyncSession,
) -> None:
    """Signing a record of many badges takes seconds (docs/transcripts.md): not in the event
    loop, where every other request of the process, whatever its tenant, would wait, nor in
    the default executor, where pictures, cards and PDFs would wait behind a flood of them;
    on threads of their own, which the callers take in turn."""
    path = f"/api/v1/learners/{await learner_id(session)}/transcript"
    before = SIGNERS.ran.copy()

    async with worker_threads() as ran:
        first = await client.get(path, headers=reader)
        kept = await client.get(path, headers=reader)

    assert first.status_code == 200, first.text
    assert kept.content == first.content
    assert ran == []
    assert SIGNERS.ran - before == {"sign_transcript": 1}  # the kept record: not signed again


async def test_only_portfolio_readers_get_transcripts_and_never_hidden_badges(
    client: httpx.AsyncClient,
    token: Getter,
    badges: dict[str, dict[str, Any]],
    session: AsyncSession,
) -> None:
    path = f"/api/v1/learners/{await learner_id(session)}/transcript"

    anonymous = await client.get(path)
    platform = await client.get(path, headers={"Authorization": f"Bearer {await token()}"})
    unknown = await client.get(
        f"/api/v1/learners/{uuid.uuid4()}/transcript",
        headers={"Authorization": f"Bearer {await token()}"},
    )
    bad_id = await client.get("/api/v1/learners/pas-un-id/transcript")

    assert anonymous.status_code == 401
    assert platform.status_code == 403
    assert unknown.status_code == 403
    assert bad_id.status_code in {401, 422}


async def test_verification_reports_the_record_each_badge_and_the_hours_recomputed(
    client: httpx.AsyncClient,
    reader: dict[str, str],
    badges: dict[str, dict[str, Any]],
    session: AsyncSession,
) -> None:
    path = f"/api/v1/learners/{await learner_id(session)}/transcript"
    record = (await client.get(path, headers=reader)).json()
    tampered = json.loads(json.dumps(record))
    held(tampered)[1]["credentialSubject"]["creditsEarned"] = 30
    tampered["description"] = "30 h"

    report = (await client.post("/api/v1/verifications", json={"credential": record})).json()
    by_url = (await client.post("/api/v1/verifications", json={"url": record["id"]})).json()
    altered = (await client.post("/api/v1/verifications", json={"credential": tampered})).json()
    page = await client.get(
        "/verify", params={"link": record["id"]}, headers={"Accept": "text/html"}
    )

    assert report["verdict"] == "valid", report["checks"]
    assert [c["status"] for c in report["checks"] if c["code"] == "embedded"] == ["passed"] * 2
    assert report["summary"].get("transcript") == {
        "credentials": 2,
        "valid": 2,
        "hours": 4.5,
        "obligationHours": 30,
    }
    assert by_url["verdict"] == "valid"
    assert altered["verdict"] == "invalid"
    assert altered["summary"].get("transcript") is None  # nothing proven is summarised as fact
    assert page.status_code == 200
    assert "4.5 h" in page.text


async def test_the_record_has_every_field_clr_2_requires(
    client: httpx.AsyncClient,
    reader: dict[str, str],
    badges: dict[str, dict[str, Any]],
    session: AsyncSession,
) -> None:
    """No package ships 1EdTech's CLR 2.0 JSON schema: the required fields of the spec's data
    model (CLR 2.0 §B.1 ClrCredential, ClrSubject; OB 3.0 Profile, Achievement, IdentityObject)
    are checked here instead."""
    path = f"/api/v1/learners/{await learner_id(session)}/transcript"
    record = (await client.get(path, headers=reader)).json()

    assert {"@context", "id", "type", "issuer", "validFrom", "name", "credentialSubject"} <= set(
        record
    )
    assert record["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert {"id", "type"} <= set(record["issuer"])
    assert "Profile" in record["issuer"]["type"]
    subject = record["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    assert len(subject["verifiableCredential"]) >= 1
    for achievement in subject["achievement"]:
        assert {"id", "type", "criteria", "description", "name"} <= set(achievement)
    for identity in subject["identifier"]:
        assert {"type", "identityHash", "identityType", "hashed"} <= set(identity)
    (proof,) = record["proof"]
    assert {"type", "cryptosuite", "created", "verificationMethod", "proofPurpose"} <= set(proof)
