"""Credentials signed by other systems, verified offline with the documents shared beside them.

Each expectation follows from the file's name in shared/wild-corpus/SOURCES.md (revoked,
expired, tampered...) and is what a careful verifier must conclude at the given date.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from openbadges.dids import controller_document
from openbadges.resolver import StaticResolver
from openbadges.verification import verify

NOW = datetime(2026, 11, 21, tzinfo=UTC)

EXPECTED_FAILURES: dict[str, set[str]] = {
    "001": set(),
    "002": set(),
    "003": set(),
    "004": set(),
    "005": {"valid-from"},
    "006": {"valid-until"},
    "007": {"status"},  # revoked
    "008": set(),
    "009": {"status", "valid-until"},
    "010": set(),
    "011": {"proof"},  # tampered
    "012": {"valid-until"},
    "013": {"status"},  # the status list was tampered with: its proof fails
    "014": {"issuer-key"},  # the did:web document does not exist
    "015": {"status"},
    "016": set(),
    "017": set(),
    "018": {"valid-until"},
    "019": set(),
    "020": {"status"},
    "021": {"status", "valid-until"},
    "022": set(),
    "023": {"issuer-key"},  # signed by a did:key that is not the (urn:) issuer
    "024": set(),  # the 2023 name eddsa-2022
    "025": set(),  # Ed25519Signature2020 on VC 1.1
    "026": {"proof"},
    "027": {"valid-until"},
    "028": {"schema", "valid-from"},  # its subject has no achievement
    "029": {"status"},  # revoked in a BitstringStatusList
    "030": {"status"},  # its 1EdTech revocation list is not published with the corpus
    "031": {"issuer-key", "status"},  # neither its did:web nor its list is in the corpus
    "032": set(),  # an ecdsa-sd-2023 derived proof: verified since proofs/ecdsa_sd_2023.py
    "033": {"issuer-key"},  # key embedded in the JWT header; the issuer's document is absent
    "034": {"issuer-key"},
    # and a CLR 2.0 draft context that is not bundled: a JWT warning. The CLR's one held
    # credential is verified too: a VC-JWT with the same unbound jwk and a draft OB context.
    "035": {"issuer-key", "embedded"},
    "036": {"issuer-key"},  # did:velocity cannot be resolved
    "037": set(),
    "038": set(),  # Ed25519Signature2018 (detached JWS)
    "039": set(),  # valid JWS; terms no context defines are a warning (the JWS signs bytes)
    "040": {"proof"},  # jti does not match the credential id
    "041": {"proof"},  # bad signature
}


# A document or suite is missing (033, 034: the issuer's document, so whether it lists the
# JWT's embedded key is unknown, not denied).
UNVERIFIABLE = {"014", "030", "031", "033", "034", "036"}


def expected_verdict(number: str) -> str:
    if number in UNVERIFIABLE:
        return "unverifiable"
    return "invalid" if EXPECTED_FAILURES[number] else "valid"


def credentials(shared: Path) -> list[Path]:
    folder = shared / "wild-corpus"
    return sorted(
        path
        for path in folder.iterdir()
        if path.name[:3].isdigit() and not path.name.endswith((".keydoc.json", ".status.json"))
    )


def resolver_for(path: Path) -> StaticResolver:
    """The shared key documents and status lists, plus the controller documents of 1EdTech's
    example issuers, rebuilt from the Multikey their verification method ids name."""
    siblings = sorted(path.parent.glob(path.name[:3] + "-*"))
    documents: dict[str, Any] = {}
    for sibling in siblings:
        if sibling.name.endswith(".keydoc.json"):
            document = json.loads(sibling.read_text())
            documents[document["id"]] = document
    if path.suffix != ".json":
        return StaticResolver(documents)
    credential = json.loads(path.read_text())
    entries = credential.get("credentialStatus")
    for entry in entries if isinstance(entries, list) else [entries] if entries else []:
        for sibling in siblings:
            if sibling.name.endswith(".status.json"):
                documents[entry.get("statusListCredential")] = json.loads(sibling.read_text())
    proofs = credential.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        method = proof.get("verificationMethod", "")
        if method.startswith("https://") and "#z" in method:
            controller, key = method.split("#")
            documents[controller] = controller_document(
                controller,
                [
                    {
                        "id": method,
                        "type": "Multikey",
                        "controller": controller,
                        "publicKeyMultibase": key,
                    }
                ],
            )
    return StaticResolver(documents)


def test_every_corpus_file_has_an_expectation(shared: Path) -> None:
    assert {path.name[:3] for path in credentials(shared)} == set(EXPECTED_FAILURES)


@pytest.mark.parametrize("number", sorted(EXPECTED_FAILURES))
async def test_wild_credential(shared: Path, number: str) -> None:
    (path,) = [path for path in credentials(shared) if path.name.startswith(number)]

    result = await verify(path.read_bytes(), resolver=resolver_for(path), now=NOW)

    failed = {check.code for check in result.checks if check.status == "failed"}
    assert failed == EXPECTED_FAILURES[number], result.to_json()
    assert result.verified is (not failed)
    assert result.verdict == expected_verdict(number), result.to_json()
    for language in ("en", "fr"):
        assert result.to_json(language)["headline"]


async def test_revoked_credential_says_revoked(shared: Path) -> None:
    path = shared / "wild-corpus/007-dcc-v2-di-didkey-revoked.json"

    result = await verify(path.read_bytes(), resolver=resolver_for(path), now=NOW)

    assert [c.message for c in result.checks if c.code == "status"] == ["revoked"]


async def test_embedded_jwk_not_listed_by_the_issuer_fails_the_issuer_key(shared: Path) -> None:
    path = shared / "wild-corpus/033-1edtech-jwt-vc2-rs256-jwk.jwt"

    result = await verify(path.read_bytes(), resolver=StaticResolver(), now=NOW)

    assert [c.status for c in result.checks if c.code == "issuer-key"] == ["failed"]
    assert [c.status for c in result.checks if c.code == "proof"] == ["passed"]
