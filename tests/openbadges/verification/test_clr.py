"""CLR 2.0 records (shared/clr-examples): the record's proof and each held credential's.

No controller document is published for these examples; 1EdTech's validator takes the key
from the verification method's fragment (shared/clr-examples/SOURCES.md), so the tests serve
each issuer's controller document built from that fragment, at the issuer's id.
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from openbadges.canonical import canonicalize_pair
from openbadges.contexts import ContextLoader
from openbadges.resolver import StaticResolver
from openbadges.verification import clr, verify
from tests.openbadges.verification.conftest import NOW

# Issuer id → the publicKeyMultibase its proofs' verification method fragment names.
KEYS = {
    "https://example.edu/issuers/565049": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
    "https://example.com/issuers/876543": "z6MkvREVgsHx7Ppae68vCoByy73ZD4aMSJiPML2cryVL8JAx",
    "urn:uuid:4ca4a241-fc3b-4d92-978e-f56fa96ae795": (
        "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    ),
}


def controller(issuer: str, multibase: str) -> dict[str, Any]:
    method = f"{issuer}#{multibase}"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": issuer,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": multibase,
            }
        ],
        "assertionMethod": [method],
    }


def resolver() -> StaticResolver:
    return StaticResolver({issuer: controller(issuer, key) for issuer, key in KEYS.items()})


def example(shared: Path, name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((shared / "clr-examples" / name).read_text())
    return document


def held(document: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = document["credentialSubject"]["verifiableCredential"]
    return found


SIGNED = ["01-1edtech-clr-simple.json", "1edtech-clr-test-vector/signed.json"]


@pytest.mark.parametrize("name", SIGNED)
async def test_signed_record_and_its_credential_are_valid(shared: Path, name: str) -> None:
    result = await verify(example(shared, name), resolver=resolver(), now=NOW)

    assert result.verdict == "valid", result.to_json()
    (embedded,) = [c for c in result.checks if c.code == "embedded"]
    assert embedded.status == "passed"
    assert embedded.detail["id"] == held(example(shared, name))[0].get("id")
    (report,) = result.embedded
    assert report.verdict == "valid"
    assert [c.status for c in report.checks if c.code == "proof"] == ["passed"]
    assert result.to_json("fr")["embedded"][0]["verdict"] == "valid"


def test_record_vector_canonicalises_as_published(shared: Path) -> None:
    folder = shared / "clr-examples" / "1edtech-clr-test-vector"
    document = example(shared, "1edtech-clr-test-vector/signed.json")
    (proof,) = document.pop("proof")
    options = {k: v for k, v in proof.items() if k != "proofValue"}

    canonical = canonicalize_pair(document, options, ContextLoader())

    assert canonical.document == (folder / "document-canon.txt").read_text()
    assert canonical.proof == (folder / "proof-canon.txt").read_text()


@pytest.mark.parametrize("name", SIGNED)
async def test_a_tampered_held_credential_fails_it_and_the_record(shared: Path, name: str) -> None:
    document = example(shared, name)
    held(document)[0]["credentialSubject"]["achievement"]["name"] = "Doctorat honoris causa"

    result = await verify(document, resolver=resolver(), now=NOW)

    assert result.verdict == "invalid"
    assert result.verdict_check is not None
    assert result.verdict_check.code == "proof"
    (embedded,) = [c for c in result.checks if c.code == "embedded"]
    assert (embedded.status, embedded.detail["verdictReason"]) == ("failed", "proof")


@pytest.mark.parametrize("name", SIGNED)
async def test_a_held_credential_without_its_proof_is_reported_on_its_own(
    shared: Path, name: str
) -> None:
    # The record's proof fails too (it covers what it holds), but the report says which.
    document = example(shared, name)
    held(document)[0]["proof"] = []

    result = await verify(document, resolver=resolver(), now=NOW)

    checks = {c.code: c for c in result.checks if c.status == "failed"}
    assert checks["embedded"].detail["failed"] == ["proof"]
    assert result.embedded[0].verdict == "invalid"


@pytest.mark.parametrize("name", SIGNED)
async def test_without_the_issuers_documents_the_record_is_unverifiable(
    shared: Path, name: str
) -> None:
    result = await verify(example(shared, name), resolver=StaticResolver(), now=NOW)

    assert result.verdict == "unverifiable"
    (embedded,) = [c for c in result.checks if c.code == "embedded"]
    assert (embedded.status, embedded.cause) == ("failed", "unreachable")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        # The unversioned CLR context is in no package: the record's proof cannot be checked;
        # 5 of its 6 credentials are signed by a did:key that is not their (urn:) issuer.
        ("02-1edtech-clr-simple-v1.json", "embedded"),
        ("03-1edtech-clr-complex-v1.json", "issuer-key"),  # the record's key is that did:key
        ("04-1edtech-clr-noproof.json", "proof"),  # the record has no proof
        ("1edtech-clr-test-vector/unsigned.json", "proof"),
    ],
)
async def test_other_examples_are_invalid_for_the_reason_that_decides(
    shared: Path, name: str, reason: str
) -> None:
    result = await verify(example(shared, name), resolver=resolver(), now=NOW)

    assert result.verdict == "invalid"
    assert result.verdict_check is not None
    assert result.verdict_check.code == reason
    assert len(result.embedded) == len(held(example(shared, name)))


async def test_unversioned_clr_context_is_reported_missing(shared: Path) -> None:
    result = await verify(
        example(shared, "02-1edtech-clr-simple-v1.json"), resolver=resolver(), now=NOW
    )

    (proof,) = [c for c in result.checks if c.code == "proof"]
    assert (proof.status, proof.cause) == ("failed", "missing-context")
    # The one credential signed by its own issuer's key verifies.
    assert [r.verdict for r in result.embedded].count("valid") == 1


async def test_a_record_holding_too_many_credentials_is_unverifiable(shared: Path) -> None:
    document = example(shared, "01-1edtech-clr-simple.json")
    document["credentialSubject"]["verifiableCredential"] = [
        copy.deepcopy(held(document)[0]) for _ in range(clr.MAX_EMBEDDED + 1)
    ]

    result = await verify(document, resolver=resolver(), now=NOW)

    (embedded,) = [c for c in result.checks if c.code == "embedded"]
    assert (embedded.status, embedded.cause) == ("failed", "unsupported")
    assert result.embedded == ()


async def test_records_nested_in_records_stop_at_the_depth_cap(shared: Path) -> None:
    record = example(shared, "01-1edtech-clr-simple.json")
    for _ in range(clr.MAX_DEPTH):
        outer = example(shared, "01-1edtech-clr-simple.json")
        outer["credentialSubject"]["verifiableCredential"] = [record]
        record = outer

    report = await verify(record, resolver=resolver(), now=NOW)

    opened = 0
    while report.embedded:
        report, opened = report.embedded[0], opened + 1
    assert opened == clr.MAX_DEPTH
    (refused,) = [c for c in report.checks if c.code == "embedded"]
    assert (refused.status, refused.cause) == ("failed", "unsupported")
