"""The legacy Ed25519Signature2018 (detached JWS) on published credentials, and tampering."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from openbadges.errors import ProofError
from openbadges.resolver import StaticResolver
from openbadges.verification import verify
from tests.openbadges.verification.conftest import NOW

FOLDER = "vc-test-vectors/ed25519-signature-2018"
# What each file's source says (shared SOURCES.md): the verdict and the check that decides it.
EXPECTED = {
    "01-jff-plugfest1-ex1.json": ("valid", None),
    "02-jff-plugfest1-ex2.json": ("valid", None),
    "03-transmute-db-doc-signed.json": ("valid", None),
    "04-transmute-db-case2-expired.json": ("invalid", "valid-until"),
    "05-transmute-db-case6-nonsense-dates.json": ("invalid", "valid-until"),
}


def read(shared: Path, name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((shared / FOLDER / name).read_text())
    return document


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_published_credential_gets_its_verdict(shared: Path, name: str) -> None:
    result = await verify(read(shared, name), resolver=StaticResolver(), now=NOW)

    decisive = result.verdict_check
    assert (result.verdict, decisive.code if decisive else None) == EXPECTED[name], result.to_json()
    assert [c.status for c in result.checks if c.code == "proof"] == ["passed"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"].update(id="did:example:mallory"),
        lambda d: d.update(issuanceDate="2011-01-01T19:23:24Z"),
        lambda d: d["proof"].update(created="2011-01-01T19:23:24Z"),
    ],
    ids=["subject", "date", "proof-options"],
)
async def test_tampered_credential_fails_the_proof(shared: Path, tamper: Any) -> None:
    document = read(shared, "03-transmute-db-doc-signed.json")
    tamper(document)

    result = await verify(document, resolver=StaticResolver(), now=NOW)

    assert result.verdict == "invalid"
    assert [c.status for c in result.checks if c.code == "proof"] == ["failed"]


@pytest.mark.parametrize(
    "jws",
    [
        "not-a-jws",
        "eyJhbGciOiJFZERTQSJ9..AAAA",  # b64 not false: an attached-payload JWS header
        "eyJhbGciOiJFZERTQSIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19.cGF5bG9hZA.AAAA",
    ],
)
async def test_malformed_jws_fails_the_proof(shared: Path, jws: str) -> None:
    document = copy.deepcopy(read(shared, "03-transmute-db-doc-signed.json"))
    document["proof"]["jws"] = jws

    result = await verify(document, resolver=StaticResolver(), now=NOW)

    (proof,) = [c for c in result.checks if c.code == "proof"]
    assert proof.status == "failed"
    with pytest.raises(ProofError):
        raise ProofError(proof.message)
