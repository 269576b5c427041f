"""A badge issued over HTTP verifies with Digital Bazaar's independent JavaScript verifier."""

import copy
from typing import Any

import httpx
import pytest

from tests.interop.dbstack import DbStack
from tests.service.conftest import Getter, MakeClient
from tests.service.factories import completion

pytestmark = [pytest.mark.interop, pytest.mark.settings(suspension_entry=True)]  # opt-in suspension


@pytest.mark.parametrize("share", [False, True])
async def test_completion_round_trip_verifies_with_digital_bazaar(
    client: httpx.AsyncClient, token: Getter, dbstack: DbStack, share: bool
) -> None:
    issued = await client.post(
        "/api/v1/completions",
        json=completion(shareReflections=share),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    public = (await client.get(issued.json()["url"].removeprefix("http://localhost:8000"))).json()
    did_document = (await client.get("/issuers/reseau-demo/did.json")).json()
    documents: dict[str, Any] = {did_document["id"]: did_document}

    assert dbstack.verify(public, documents) == (True, [])

    tampered = copy.deepcopy(public)
    tampered["credentialSubject"]["achievement"]["name"] += " (modifié)"
    assert dbstack.verify(tampered, documents)[0] is False


async def _documents(client: httpx.AsyncClient, credential: dict[str, Any]) -> dict[str, Any]:
    """The issuer's DID document and both status lists, as fetched from the service."""
    did_document = (await client.get("/issuers/reseau-demo/did.json")).json()
    documents: dict[str, Any] = {did_document["id"]: did_document}
    for entry in credential["credentialStatus"]:
        url = entry["statusListCredential"]
        documents[url] = (await client.get(url.removeprefix("http://localhost:8000"))).json()
    return documents


async def test_status_changes_through_the_api_are_seen_by_digital_bazaar(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient, dbstack: DbStack
) -> None:
    revoker_id, secret = await make_client(scopes={"credentials:revoke"}, issuers={"reseau-demo"})
    revoker = {"Authorization": f"Bearer {await token(None, revoker_id, secret)}"}
    platform = {"Authorization": f"Bearer {await token()}"}
    credentials = [
        (await client.post("/api/v1/completions", json=completion(name), headers=platform)).json()
        for name in ("révoquée", "suspendue")
    ]
    revoked, suspended = (issued["credential"] for issued in credentials)

    def verify(credential: dict[str, Any], documents: dict[str, Any]) -> tuple[bool, list[str]]:
        return dbstack.verify(credential, documents, check_status=True)

    assert verify(revoked, await _documents(client, revoked)) == (True, [])
    for issued, action in zip(credentials, ("revoke", "suspend"), strict=True):
        changed = await client.post(
            f"/api/v1/credentials/{issued['id']}/{action}",
            json={"reason": "test"},
            headers=revoker,
        )
        assert changed.status_code == 200, changed.text

    is_valid, errors = verify(revoked, await _documents(client, revoked))
    assert not is_valid
    assert any("revocation" in error for error in errors), errors
    is_valid, errors = verify(suspended, await _documents(client, suspended))
    assert not is_valid
    assert any("suspension" in error for error in errors), errors

    await client.post(
        f"/api/v1/credentials/{credentials[1]['id']}/reinstate",
        json={"reason": "vérifié"},
        headers=revoker,
    )
    assert verify(suspended, await _documents(client, suspended)) == (True, [])
