"""ecdsa-sd-2023 derived proofs on the W3C vc-di-ecdsa vectors (employ, prc), and tampering."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from openbadges.canonical import canonicalize_pair
from openbadges.contexts import ContextLoader
from openbadges.errors import ProofError, UnsupportedCryptosuite
from openbadges.keys import generate_key_pair, public_key_from_multibase
from openbadges.multibase import decode_multibase
from openbadges.proofs import ecdsa_sd_2023
from openbadges.resolver import StaticResolver
from openbadges.verification import verify
from tests.openbadges.verification.conftest import NOW

CASES = ["employ", "prc"]
ISSUER_KEY = "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"  # SDKeyMaterial baseKeyPair


def folder(shared: Path, case: str) -> Path:
    return shared / "vc-test-vectors" / "w3c-vc-di-ecdsa" / "ecdsa-sd-2023" / case


def read(shared: Path, case: str, name: str) -> Any:
    return json.loads((folder(shared, case) / name).read_text())


@pytest.fixture
def loader(shared: Path) -> ContextLoader:
    contexts = shared / "vc-test-vectors" / "contexts"
    return ContextLoader(
        {
            "https://w3id.org/citizenship/v4rc1": json.loads(
                (contexts / "citizenship-v4rc1.jsonld").read_text()
            )
        }
    )


def key() -> Any:
    return public_key_from_multibase(ISSUER_KEY)


@pytest.mark.parametrize("case", CASES)
def test_derived_proof_value_parses_as_the_vector(shared: Path, case: str) -> None:
    document = read(shared, case, "derivedRevealDocument.json")
    expected = read(shared, case, "verifyDerivedProofValue.json")

    derived = ecdsa_sd_2023.parse_derived_proof_value(document["proof"]["proofValue"])

    assert derived.base_signature.hex() == expected["baseSignature"]
    assert derived.public_key == decode_multibase(expected["publicKey"], what="publicKey")
    assert [s.hex() for s in derived.signatures] == expected["signatures"]
    assert derived.label_map == dict(expected["labelMap"])
    assert list(derived.mandatory_indexes) == expected["mandatoryIndexes"]


@pytest.mark.parametrize("case", CASES)
def test_relabelled_statements_and_proof_hash_match_the_vector(
    shared: Path, loader: ContextLoader, case: str
) -> None:
    document = read(shared, case, "derivedRevealDocument.json")
    proof = document.pop("proof")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    derived = ecdsa_sd_2023.parse_derived_proof_value(proof["proofValue"])
    verify_data = read(shared, case, "verifyCreateVerifyData.json")

    canonical = canonicalize_pair(document, options, loader)
    statements = ecdsa_sd_2023.relabel(canonical.document, derived.label_map)

    assert statements == read(shared, case, "verifyNQuads.json")
    others = [s for i, s in enumerate(statements) if i not in derived.mandatory_indexes]
    assert others == verify_data["nonMandatory"]
    assert canonical.proof == (folder(shared, case) / "addProofConfigCanon.txt").read_text()


@pytest.mark.parametrize("case", CASES)
def test_derived_vector_verifies(shared: Path, loader: ContextLoader, case: str) -> None:
    document = read(shared, case, "derivedRevealDocument.json")

    ecdsa_sd_2023.verify_proof(document, document["proof"], key(), loader=loader)


@pytest.mark.parametrize("case", CASES)
async def test_pipeline_passes_the_derived_proof(
    shared: Path, loader: ContextLoader, case: str
) -> None:
    document = read(shared, case, "derivedRevealDocument.json")

    result = await verify(document, resolver=StaticResolver(), now=NOW, loader=loader)

    (proof,) = [c for c in result.checks if c.code == "proof"]
    assert (proof.status, proof.detail["cryptosuite"]) == ("passed", "ecdsa-sd-2023")
    # The vectors' issuer is another did:key than the signing one: the binding fails.
    assert "issuer-key" in {c.code for c in result.checks if c.status == "failed"}


def tamperings(document: dict[str, Any]) -> list[dict[str, Any]]:
    changed = copy.deepcopy(document)
    changed["credentialSubject"]["birthCountry"] = "Canada"
    dropped = copy.deepcopy(document)
    del dropped["credentialSubject"]["birthCountry"]
    added = copy.deepcopy(document)
    added["credentialSubject"]["familyName"] = "SMITH"
    mandatory = copy.deepcopy(document)
    mandatory["validFrom"] = "2019-12-04T00:00:00Z"
    return [changed, dropped, added, mandatory]


@pytest.mark.parametrize("case", CASES)
def test_tampered_disclosures_are_refused(shared: Path, loader: ContextLoader, case: str) -> None:
    document = read(shared, case, "derivedRevealDocument.json")

    for tampered in tamperings(document):
        with pytest.raises(ProofError):
            ecdsa_sd_2023.verify_proof(tampered, tampered["proof"], key(), loader=loader)


@pytest.mark.parametrize("case", CASES)
async def test_tampered_derived_credential_is_invalid(
    shared: Path, loader: ContextLoader, case: str
) -> None:
    document = read(shared, case, "derivedRevealDocument.json")
    document["credentialSubject"]["birthCountry"] = "Canada"

    result = await verify(document, resolver=StaticResolver(), now=NOW, loader=loader)

    assert result.verdict == "invalid"
    assert [c.status for c in result.checks if c.code == "proof"] == ["failed"]
    assert not result.is_proven


def test_wrong_key_and_malformed_values_are_refused(shared: Path, loader: ContextLoader) -> None:
    document = read(shared, "employ", "derivedRevealDocument.json")
    proof = document["proof"]

    with pytest.raises(ProofError, match="base signature"):
        ecdsa_sd_2023.verify_proof(
            document, proof, generate_key_pair("p256").public_key, loader=loader
        )
    with pytest.raises(ProofError, match="P-256"):
        ecdsa_sd_2023.verify_proof(document, proof, generate_key_pair().public_key, loader=loader)
    for value in ("zabc", "u" + "A" * 10, "u2V0BgA"):
        with pytest.raises(ProofError):
            ecdsa_sd_2023.parse_derived_proof_value(value)


@pytest.mark.parametrize("case", CASES)
async def test_a_base_proof_is_for_the_holder_and_not_verified(
    shared: Path, loader: ContextLoader, case: str
) -> None:
    document = read(shared, case, "addSignedSDBase.json")

    with pytest.raises(UnsupportedCryptosuite, match="holder"):
        ecdsa_sd_2023.verify_proof(document, document["proof"], key(), loader=loader)
    result = await verify(document, resolver=StaticResolver(), now=NOW, loader=loader)
    (proof,) = [c for c in result.checks if c.code == "proof"]
    assert (proof.status, proof.cause) == ("failed", "unsupported")
