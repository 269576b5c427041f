"""What employers and verifiers fetch without a token, and what they can do with it."""

import base64
import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.resolver import StaticResolver
from openbadges.verification import verify
from service.domain.demo import Demo
from service.runtime import Runtime
from tests.service.conftest import Getter, services
from tests.service.factories import ANSWERS, completion


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion(),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def path(url: str) -> str:
    return url.removeprefix("http://localhost:8000")


async def test_public_credential_is_json_ld_by_default(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    response = await client.get(path(issued["url"]))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vc+ld+json")
    assert response.json() == issued["credential"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/json"),
        ("application/vc+jwt", "application/vc+jwt"),
        ("application/jwt", "application/jwt"),
        ("*/*", "application/vc+ld+json"),
        ("application/vc+jwt;q=0.5, application/vc+ld+json", "application/vc+ld+json"),
    ],
)
async def test_content_negotiation(
    client: httpx.AsyncClient, issued: dict[str, Any], accept: str, media_type: str
) -> None:
    response = await client.get(path(issued["url"]), headers={"Accept": accept})

    assert response.headers["content-type"].startswith(media_type)
    if "jwt" in media_type:
        assert response.text == issued["jwt"]
    else:
        assert response.json() == issued["credential"]


async def test_json_and_jwt_suffixes(client: httpx.AsyncClient, issued: dict[str, Any]) -> None:
    as_json = await client.get(path(issued["url"]) + ".json")
    as_jwt = await client.get(path(issued["url"]) + ".jwt")

    assert as_json.json() == issued["credential"]
    assert as_jwt.text == issued["jwt"]
    assert as_jwt.headers["content-type"].startswith("application/vc+jwt")


async def test_unknown_credential_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/credentials/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_api_credential_needs_a_token(
    client: httpx.AsyncClient, issued: dict[str, Any], token: Getter
) -> None:
    url = f"/api/v1/credentials/{issued['id']}"

    assert (await client.get(url)).status_code == 401
    response = await client.get(url, headers={"Authorization": f"Bearer {await token()}"})
    assert response.json()["status"] == "active"
    assert response.json()["credential"] == issued["credential"]


async def test_private_evidence_matches_its_digest(
    client: httpx.AsyncClient, issued: dict[str, Any], token: Getter
) -> None:
    entry = issued["credential"]["evidence"][0]

    assert (await client.get(path(entry["id"]))).status_code == 404  # never a hint that it exists
    response = await client.get(
        path(entry["id"]), headers={"Authorization": f"Bearer {await token()}"}
    )

    assert response.text == ANSWERS["retenir"]
    digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
    assert entry["digestSRI"] == f"sha384-{digest}"


async def test_did_document_lists_the_signing_keys(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    document = (await client.get("/issuers/reseau-demo/did.json")).json()
    proof_method = issued["credential"]["proof"][0]["verificationMethod"]

    assert document["id"] == issued["credential"]["issuer"]["id"]
    assert proof_method in document["assertionMethod"]
    assert all(method["controller"] == document["id"] for method in document["verificationMethod"])


async def resolver_from_service(
    client: httpx.AsyncClient, credential: dict[str, Any], jwt: str | None = None
) -> StaticResolver:
    """Documents fetched over HTTP from the service, as a verifier would."""
    issuer = credential["issuer"]["id"]
    documents = {issuer: (await client.get("/issuers/reseau-demo/did.json")).json()}
    entries = credential["credentialStatus"]  # one object; a list with opt-in suspension
    for entry in entries if isinstance(entries, list) else [entries]:
        status_url = entry["statusListCredential"]
        documents[status_url] = (await client.get(path(status_url))).json()
    if jwt:
        kid = httpx.Response(
            200, content=base64.urlsafe_b64decode(jwt.split(".")[0] + "==")
        ).json()["kid"]
        if not kid.startswith("did:"):  # a DID URL is in the issuer's document
            documents[kid] = (await client.get(path(kid))).json()
    return StaticResolver(documents)


async def test_issued_credential_and_jwt_verify_with_the_library(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    now = datetime.now(UTC)
    resolver = await resolver_from_service(client, issued["credential"], issued["jwt"])

    for form in (issued["credential"], issued["jwt"]):
        report = await verify(
            form, resolver=resolver, now=now, recipient="marie.tremblay@exemple.qc.ca"
        )
        assert report.verified, report.to_json()
        assert {c.code: c.status for c in report.checks}["status"] == "passed"


async def test_status_list_is_signed_by_the_issuer(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    status_url = issued["credential"]["credentialStatus"]["statusListCredential"]
    document = (await client.get(path(status_url))).json()

    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == issued["credential"]["issuer"]["id"]
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


async def test_each_credential_gets_its_own_status_index(
    client: httpx.AsyncClient, token: Getter, demo: Demo
) -> None:
    access = await token()
    indexes = set()
    for number in range(3):
        body = (
            await client.post(
                "/api/v1/completions",
                json=completion(f"ext-{number}"),
                headers={"Authorization": f"Bearer {access}"},
            )
        ).json()
        indexes.add(body["credential"]["credentialStatus"]["statusListIndex"])

    assert len(indexes) == 3


async def test_achievements_are_public(client: httpx.AsyncClient, demo: Demo) -> None:
    listing = (await client.get("/api/v1/achievements")).json()
    one = (await client.get(f"/api/v1/achievements/{demo.achievement}")).json()
    by_id = (await client.get(f"/api/v1/achievements/{one['id']}")).json()

    assert [a["slug"] for a in listing] == [demo.achievement]
    assert one == by_id
    assert [p["key"] for p in one["prompts"]] == ["retenir", "innovation", "impact"]
    assert one["prompts"][0] == {
        "key": "retenir",
        "text": "Que retenez-vous du leadership pédagonumérique en milieu scolaire ?",
        "texts": {
            "fr": "Que retenez-vous du leadership pédagonumérique en milieu scolaire ?",
            "en": None,
        },
        "minLength": 100,
        "maxLength": 20000,
        "required": True,
    }
    assert (await client.get("/api/v1/achievements/inconnu")).status_code == 404


async def test_credentials_verify_after_key_rotation(
    client: httpx.AsyncClient, demo: Demo, session: AsyncSession, runtime: Runtime
) -> None:
    # The rotation is made by another Runtime (as the CLI would): the app signs with it next.
    await _issue_rotate_issue(client, demo, session, runtime)


async def _issue_rotate_issue(
    client: httpx.AsyncClient, demo: Demo, session: AsyncSession, runtime: Runtime
) -> None:
    access = (
        await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(demo.client_id, demo.client_secret),
        )
    ).json()["access_token"]
    before = (
        await client.post(
            "/api/v1/completions",
            json=completion("avant"),
            headers={"Authorization": f"Bearer {access}"},
        )
    ).json()
    await services(session, runtime).issuers.rotate_keys("reseau-demo", actor="test")
    await session.commit()
    after = (
        await client.post(
            "/api/v1/completions",
            json=completion("après"),
            headers={"Authorization": f"Bearer {access}"},
        )
    ).json()

    assert (
        before["credential"]["proof"][0]["verificationMethod"]
        != after["credential"]["proof"][0]["verificationMethod"]
    )
    now = datetime.now(UTC)
    for issued in (before, after):
        resolver = await resolver_from_service(client, issued["credential"], issued["jwt"])
        for form in (issued["credential"], issued["jwt"]):
            report = await verify(form, resolver=resolver, now=now)
            assert report.verified, report.to_json()
