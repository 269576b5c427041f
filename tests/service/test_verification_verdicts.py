"""The report a person reads first: the verdict, the headline and a summary that never
presents unproven claims as fact, in English and French."""

import base64
import copy
import json
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from openbadges.keys import generate_key_pair
from openbadges.signing import sign_credential
from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.factories import explorer_credential
from tests.service.conftest import PUBLIC_URL, Getter, asgi, revoke
from tests.service.factories import completion

LANGUAGES = {"en": "en-GB,en;q=0.9", "fr": "fr-CA,fr;q=0.9,en;q=0.5"}


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion(),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def report_for(
    client: httpx.AsyncClient, body: dict[str, Any], language: str
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/verifications", json=body, headers={"Accept-Language": LANGUAGES[language]}
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_valid_badge_has_a_valid_verdict_and_names_itself(
    client: httpx.AsyncClient, issued: dict[str, Any], language: str
) -> None:
    report = await report_for(client, {"credential": issued["credential"]}, language)

    assert report["verified"] is True
    assert (report["verdict"], report["verdictReason"]) == ("valid", None)
    assert "Leadership pédagonumérique 1" in report["headline"]
    assert report["headline"].startswith(
        {"en": "This badge is authentic and valid", "fr": "Ce badge est authentique et valide"}[
            language
        ]
    )
    assert report["summary"]["recipient"]["name"] == "Marie Tremblay"


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_tampered_badge_is_invalid_and_its_claims_are_marked(
    client: httpx.AsyncClient, issued: dict[str, Any], language: str
) -> None:
    forged = copy.deepcopy(issued["credential"])
    forged["credentialSubject"]["identifier"][-1]["identityHash"] = "Mallory Faussaire"

    report = await report_for(client, {"credential": forged}, language)

    assert (report["verdict"], report["verdictReason"]) == ("invalid", "proof")
    assert report["headline"].startswith(
        {"en": "This badge is not valid.", "fr": "Ce badge n'est pas valide."}[language]
    )
    assert "recipient" not in report["summary"]
    assert report["summary"]["unverified"] is True
    assert report["summary"]["notice"]
    statuses = {c["code"]: c["status"] for c in report["checks"]}
    assert statuses["known-issuer"] == "skipped"


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_tampered_jwt_summary_comes_from_its_unverified_payload(
    client: httpx.AsyncClient, issued: dict[str, Any], language: str
) -> None:
    header, payload, signature = issued["jwt"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["name"] = "Leadership pédagonumérique 3 – Expert"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    report = await report_for(client, {"jwt": f"{header}.{forged}.{signature}"}, language)

    assert (report["verdict"], report["verdictReason"]) == ("invalid", "proof")
    assert report["summary"]["unverified"] is True
    assert report["summary"]["unverifiedClaims"]["name"] == claims["name"]
    assert "name" not in report["summary"]
    assert "names no issuer" not in json.dumps(report)


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_revoked_badge_says_revoked(
    client: httpx.AsyncClient,
    issued: dict[str, Any],
    session: AsyncSession,
    runtime: Runtime,
    language: str,
) -> None:
    await revoke(session, runtime, uuid.UUID(issued["id"]))
    await session.commit()

    report = await report_for(client, {"url": issued["url"]}, language)

    assert (report["verdict"], report["verdictReason"]) == ("invalid", "status")
    assert {"en": "revoked", "fr": "révoqué"}[language] in report["headline"]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.no_sql
async def test_expired_badge_says_when(client: httpx.AsyncClient, language: str) -> None:
    key = generate_key_pair()
    credential = explorer_credential(key.controller)
    credential.update(validFrom="2020-01-01T00:00:00Z", validUntil="2021-06-30T00:00:00Z")

    report = await report_for(client, {"credential": sign_credential(credential, key)}, language)

    assert (report["verdict"], report["verdictReason"]) == ("invalid", "valid-until")
    assert {"en": "June 30, 2021", "fr": "30 juin 2021"}[language] in report["headline"]
    assert {"en": "expired", "fr": "expiré"}[language] in report["headline"]


@pytest.fixture
def loopback_app(
    settings: Settings, connection: AsyncConnection, database: ScratchDatabase
) -> Litestar:
    allowed = Settings(
        **{
            **vars(settings),
            "database_url": database.url,
            "fetch_http_hosts": frozenset({"127.0.0.1"}),
        }
    )
    return create_app(allowed, database=SharedConnectionDatabase(connection))


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.no_sql
async def test_unreachable_issuer_is_unverifiable_not_forged(
    loopback_app: Litestar, language: str
) -> None:
    did = "did:web:127.0.0.1%3A9"  # the discard port: nothing answers
    key = generate_key_pair(controller=did, vm_id=f"{did}#key-1")
    signed = sign_credential(explorer_credential(did), key)

    async with httpx.AsyncClient(transport=asgi(loopback_app), base_url=PUBLIC_URL) as client:
        report = await report_for(client, {"credential": signed}, language)
        link = await report_for(client, {"url": "http://127.0.0.1:9/badge.json"}, language)

    assert (report["verdict"], report["verdictReason"]) == ("unverifiable", "issuer-key")
    assert report["verified"] is False
    (binding,) = [c for c in report["checks"] if c["code"] == "issuer-key"]
    assert binding["detail"]["cause"] == "unreachable"
    assert {"en": "does not mean it is false", "fr": "ne veut pas dire qu'il est faux"}[
        language
    ] in report["headline"]
    assert (link["verdict"], link["verdictReason"]) == ("unverifiable", "format")


@pytest.mark.parametrize(
    "typed", ["Marie.Tremblay@Exemple.QC.ca", " MARIE.TREMBLAY@EXEMPLE.QC.CA "]
)
async def test_recipient_check_ignores_letter_case(
    client: httpx.AsyncClient, issued: dict[str, Any], typed: str
) -> None:
    body = {"credential": issued["credential"], "recipient": {"email": typed}}

    report = await report_for(client, body, "en")

    assert {c["code"]: c["status"] for c in report["checks"]}["recipient"] == "passed"


async def test_mixed_case_completion_is_hashed_folded(
    client: httpx.AsyncClient, token: Getter
) -> None:
    body = completion()
    body["learner"]["email"] = "Jean.Roy@Exemple.QC.ca"
    response = await client.post(
        "/api/v1/completions", json=body, headers={"Authorization": f"Bearer {await token()}"}
    )
    credential = response.json()["credential"]

    report = await report_for(
        client, {"credential": credential, "recipient": {"email": "jean.roy@exemple.qc.ca"}}, "fr"
    )

    assert {c["code"]: c["status"] for c in report["checks"]}["recipient"] == "passed"
