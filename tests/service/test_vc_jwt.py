"""The VC-JWT other verifiers accept: a DID URL ``kid`` in the issuer's DID document, a ``sub``.

The signature is checked with PyJWT against the ``publicKeyJwk`` found by resolving the
``kid`` in the served DID document by hand, as a verifier that knows nothing of Insigne would.
"""

from typing import Any

import httpx
import jwt
import pytest

from openbadges.proofs.jwt import decode_jwt_unverified, sign_jwt
from service.domain.credentials.credentials import pairwise_subject_id
from service.domain.demo import ISSUER_SLUG, Demo
from service.runtime import Runtime
from tests.service.conftest import Getter
from tests.service.factories import completion

CLAIMS = {"iss", "jti", "sub", "nbf", "exp"}


async def _issue(client: httpx.AsyncClient, access: str, **changes: Any) -> dict[str, Any]:
    body = completion(**changes)
    response = await client.post(
        "/api/v1/completions", json=body, headers={"Authorization": f"Bearer {access}"}
    )
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def _method(did_document: dict[str, Any], kid: str) -> dict[str, Any]:
    """The verification method a DID URL names, if it is an assertion method."""
    assert kid in did_document["assertionMethod"]
    methods: list[dict[str, Any]] = did_document["verificationMethod"]
    (method,) = (m for m in methods if m["id"] == kid)
    return method


async def test_the_kid_is_a_did_url_whose_json_web_key_verifies_the_token(
    client: httpx.AsyncClient, token: Getter
) -> None:
    issued = await _issue(client, await token())
    header, payload = decode_jwt_unverified(issued["jwt"])
    did, fragment = header["kid"].split("#")
    served = (await client.get(f"/issuers/{ISSUER_SLUG}/did.json")).json()
    method = _method(served, header["kid"])

    decoded = jwt.decode(issued["jwt"], jwt.PyJWK(method["publicKeyJwk"]).key, algorithms=["RS256"])

    assert (header["alg"], header["typ"]) == ("RS256", "JWT")
    assert did == payload["iss"] == issued["credential"]["issuer"]["id"] == served["id"]
    assert fragment.startswith("key-rsa-")
    assert (method["type"], method["controller"]) == ("JsonWebKey", did)
    assert set(method["publicKeyJwk"]) == {"kty", "n", "e"}
    assert decoded["jti"] == issued["credential"]["id"]
    assert {k: v for k, v in decoded.items() if k not in CLAIMS} == {
        k: v for k, v in issued["credential"].items() if k != "proof"
    }


@pytest.mark.parametrize(
    "learner_did", [None, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]
)
async def test_every_jwt_has_a_sub_the_subject_id(
    client: httpx.AsyncClient, token: Getter, learner_did: str | None
) -> None:
    learner = {**completion()["learner"], **({"id": learner_did} if learner_did else {})}
    issued = await _issue(client, await token(), learner=learner)
    _, payload = decode_jwt_unverified(issued["jwt"])
    issuer = issued["credential"]["issuer"]["id"]

    assert payload["sub"] == issued["credential"]["credentialSubject"]["id"]
    assert payload["sub"] == learner_did or payload["sub"] == pairwise_subject_id(
        issuer, "marie.tremblay@exemple.qc.ca"
    )
    assert payload["sub"].startswith("urn:uuid:" if learner_did is None else "did:key:")


def test_pairwise_subject_ids_differ_between_issuers_and_stay_put_within_one() -> None:
    marie = "marie.tremblay@exemple.qc.ca"
    recit = pairwise_subject_id("did:web:insigne.example:issuers:recit", marie)

    assert recit == pairwise_subject_id("did:web:insigne.example:issuers:recit", marie)
    assert recit != pairwise_subject_id("did:web:insigne.example:issuers:autre", marie)
    assert recit != pairwise_subject_id("did:web:insigne.example:issuers:recit", "x@exemple.ca")
    assert marie not in recit


async def test_jwts_issued_with_a_key_url_kid_still_resolve_and_verify(
    client: httpx.AsyncClient, token: Getter, runtime: Runtime, demo: Demo
) -> None:
    """Before the DID URL, the kid was an https URL serving the bare JWK: still served."""
    issued = await _issue(client, await token())
    async with runtime.read() as services:
        profile = await services.issuers.find(ISSUER_SLUG)
        assert profile is not None
        keys = await services.issuers.signing_keys(profile.id)
    name = keys.keys.jwt.id.split("#")[1]
    old_kid = f"http://localhost:8000/issuers/{ISSUER_SLUG}/keys/{name}"
    unsigned = {k: v for k, v in issued["credential"].items() if k != "proof"}
    old_token = sign_jwt(unsigned, keys.keys.jwt, kid=old_kid)

    served_key = await client.get(f"/issuers/{ISSUER_SLUG}/keys/{name}")
    report = (await client.post("/api/v1/verifications", json={"jwt": old_token})).json()

    assert served_key.headers["content-type"].startswith("application/jwk+json")
    assert set(served_key.json()) == {"kty", "n", "e"}
    assert (report["verdict"], report["verified"]) == ("valid", True), report
