"""Key rotation and compromise through the API: what verifies afterwards, and what not."""

import asyncio
from typing import Any

import httpx
import pytest

from service.domain.demo import ISSUER_SLUG
from tests.service.conftest import Getter, MakeClient
from tests.service.factories import completion


@pytest.fixture
async def admin(token: Getter, make_client: MakeClient) -> dict[str, str]:
    client_id, secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    return {"Authorization": f"Bearer {await token(None, client_id, secret)}"}


async def _issue(client: httpx.AsyncClient, token: Getter, external_id: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion(external_id),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _report(client: httpx.AsyncClient, issued: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/verifications", json={"url": issued["url"]})
    body: dict[str, Any] = response.json()
    return body


async def test_a_credential_issued_before_a_rotation_still_verifies(
    client: httpx.AsyncClient, token: Getter, admin: dict[str, str]
) -> None:
    before = await _issue(client, token, "avant")
    rotated = await client.post(f"/api/v1/issuers/{ISSUER_SLUG}/keys/rotate", headers=admin)
    after = await _issue(client, token, "après")

    assert rotated.status_code == 200, rotated.text
    methods = rotated.json()["verificationMethods"]
    assert after["credential"]["proof"][0]["verificationMethod"] == methods[0]
    assert before["credential"]["proof"][0]["verificationMethod"] != methods[0]
    for issued in (before, after):
        assert (await _report(client, issued))["verified"] is True


async def test_a_proof_made_after_a_keys_compromise_date_fails(
    client: httpx.AsyncClient, token: Getter, admin: dict[str, str]
) -> None:
    early = await _issue(client, token, "tôt")
    await asyncio.sleep(1.1)  # proofs are dated to the second
    late = await _issue(client, token, "tard")
    proof = late["credential"]["proof"][0]
    key_name = proof["verificationMethod"].split("#")[1]

    marked = await client.post(
        f"/api/v1/issuers/{ISSUER_SLUG}/keys/{key_name}/compromise",
        json={"since": proof["created"]},
        headers=admin,
    )
    fresh = await _issue(client, token, "nouvelle clé")

    assert marked.status_code == 200, marked.text
    assert len(marked.json()["verificationMethods"]) == 2  # the active key was rotated out
    assert (await _report(client, early))["verified"] is True
    report = await _report(client, late)
    assert report["verified"] is False
    assert report["verdictReason"] == "key-compromise"
    assert "compromised" in report["headline"]
    assert (await _report(client, fresh))["verified"] is True
    did = (await client.get(f"/issuers/{ISSUER_SLUG}/did.json")).json()
    method = next(m for m in did["verificationMethod"] if m["id"] == proof["verificationMethod"])
    assert method["revoked"] == proof["created"]


async def test_only_the_issuers_admins_manage_its_keys(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient
) -> None:
    other_id, other_secret = await make_client(scopes={"admin"}, issuers={"autre"})
    other = {"Authorization": f"Bearer {await token(None, other_id, other_secret)}"}
    platform = {"Authorization": f"Bearer {await token()}"}
    path = f"/api/v1/issuers/{ISSUER_SLUG}/keys/rotate"

    assert (await client.post(path, headers=other)).status_code == 404
    assert (await client.post(path, headers=platform)).status_code == 403
    unknown = await client.post(
        f"/api/v1/issuers/{ISSUER_SLUG}/keys/key-ed25519-9/compromise",
        json={"since": "2026-01-01T00:00:00Z"},
        headers=other,
    )
    assert unknown.status_code == 404
