"""A badge issued over HTTP verifies with Digital Bazaar's independent JavaScript verifier."""

import copy
from typing import Any

import httpx
import pytest

from tests.interop.dbstack import DbStack
from tests.service.conftest import Getter
from tests.service.factories import completion

pytestmark = pytest.mark.interop


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
