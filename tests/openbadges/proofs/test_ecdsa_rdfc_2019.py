"""ecdsa-rdfc-2019 on the W3C vc-di-ecdsa test vectors (P-256 and P-384), and tampering."""

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from openbadges.canonical import HashAlgorithm, canonicalize_pair
from openbadges.canonical_fallback import (
    MAX_FALLBACK_BYTES,
    MAX_FALLBACK_OBJECTS,
    needs_fallback,
)
from openbadges.contexts import ContextLoader
from openbadges.errors import PoisonedDataset, ProofError
from openbadges.keys import generate_key_pair, public_key_from_multibase
from openbadges.proofs import ecdsa_rdfc_2019
from openbadges.resolver import StaticResolver
from openbadges.verification import verify
from tests.openbadges.verification.conftest import NOW

CURVES = ["P256", "P384"]


def vectors(shared: Path) -> Path:
    return shared / "vc-test-vectors" / "w3c-vc-di-ecdsa"


@pytest.fixture
def loader(shared: Path) -> ContextLoader:
    folder = shared / "vc-test-vectors" / "contexts"
    return ContextLoader(
        {
            "https://www.w3.org/ns/credentials/examples/v2": json.loads(
                (folder / "credentials-examples-v2.jsonld").read_text()
            ),
            "https://w3id.org/citizenship/v4rc1": json.loads(
                (folder / "citizenship-v4rc1.jsonld").read_text()
            ),
        }
    )


def signed(shared: Path, curve: str) -> dict[str, Any]:
    path = vectors(shared) / f"ecdsa-rdfc-2019-{curve.lower()}" / f"signedECDSA{curve}.json"
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def public_key(shared: Path, curve: str) -> Any:
    pair = json.loads((vectors(shared) / f"{curve.lower()}KeyPair.json").read_text())
    return public_key_from_multibase(pair["publicKeyMultibase"])


@pytest.mark.parametrize("curve", CURVES)
def test_canonical_forms_and_hashes_match_the_vector(
    shared: Path, loader: ContextLoader, curve: str
) -> None:
    folder = vectors(shared) / f"ecdsa-rdfc-2019-{curve.lower()}"
    document = signed(shared, curve)
    options = {k: v for k, v in document.pop("proof").items() if k != "proofValue"}

    canonical = canonicalize_pair(document, options, loader)
    digest = ecdsa_rdfc_2019.hash_data(canonical, "sha256" if curve == "P256" else "sha384")

    assert canonical.document == (folder / f"canonDocECDSA{curve}.txt").read_text()
    assert canonical.proof == (folder / f"proofCanonECDSA{curve}.txt").read_text()
    assert digest.hex() == (folder / f"combinedHashECDSA{curve}.txt").read_text().strip()


@pytest.mark.parametrize("curve", CURVES)
def test_employ_vector_with_combined_type_scoped_contexts_canonicalises_exactly(
    shared: Path, loader: ContextLoader, curve: str
) -> None:
    # The subject is ["Person", "EmployablePerson"], each with a type-scoped context:
    # residentSince is defined by EmployablePerson's alone (pyoxigraph drops it; pyld does not).
    folder = vectors(shared) / f"ecdsa-rdfc-2019-{curve.lower()}" / "employ"
    document = json.loads((folder / f"signedECDSA{curve}.json").read_text())
    proof = document.pop("proof")
    options = {k: v for k, v in proof.items() if k != "proofValue"}

    # vc-di-ecdsa §3.3.2: with a P-384 key, RDFC-1.0 labels blank nodes with SHA-384.
    algorithm: HashAlgorithm = "sha256" if curve == "P256" else "sha384"
    canonical = canonicalize_pair(document, options, loader, hash_algorithm=algorithm)

    assert canonical.document == (folder / f"canonDocECDSA{curve}.txt").read_text()
    assert canonical.proof == (folder / f"proofCanonECDSA{curve}.txt").read_text()
    assert canonical.is_safe
    assert ecdsa_rdfc_2019.hash_data(canonical, algorithm).hex() == (
        (folder / f"combinedHashECDSA{curve}.txt").read_text().strip()
    )
    ecdsa_rdfc_2019.verify_proof(
        {**document, "proof": proof}, proof, public_key(shared, curve), loader=loader
    )


def test_combined_type_scoped_contexts_are_the_only_documents_sent_to_pyld(
    shared: Path, loader: ContextLoader
) -> None:
    employ = json.loads((vectors(shared) / "employmentAuth.json").read_text())
    body = {k: v for k, v in employ.items() if k != "@context"}
    alumni = json.loads((vectors(shared) / "unsigned.json").read_text())

    assert needs_fallback(employ["@context"], body, loader)
    assert not needs_fallback(alumni["@context"], alumni, loader)
    # The same two types without a term only the earlier one's context defines: no change.
    person = {**body, "credentialSubject": {"type": ["Person", "EmployablePerson"]}}
    assert not needs_fallback(employ["@context"], person, loader)
    # A CLR's ["VerifiableCredential", "ClrCredential"] loses nothing unless it says "partial".
    record = json.loads((shared / "clr-examples" / "01-1edtech-clr-simple.json").read_text())
    assert not needs_fallback(record["@context"], record, loader)
    assert needs_fallback(record["@context"], {**record, "partial": True}, loader)
    assert not needs_fallback(
        ["https://www.w3.org/ns/credentials/v2"], {"type": ["Person"]}, loader
    )


def test_pyld_expansion_is_capped(shared: Path, loader: ContextLoader) -> None:
    employ = json.loads((vectors(shared) / "employmentAuth.json").read_text())
    employ["description"] = "é" * MAX_FALLBACK_BYTES

    with pytest.raises(PoisonedDataset, match="at most"):
        canonicalize_pair(employ, None, loader)


def test_pyld_expansion_of_many_objects_is_refused_quickly(
    shared: Path, loader: ContextLoader
) -> None:
    # pyld applies the type-scoped contexts again for every object: the cap is counted first.
    employ = json.loads((vectors(shared) / "employmentAuth.json").read_text())
    employ["credentialSubject"]["employmentAuthorizationDocument"] = [
        {"type": "EmploymentAuthorizationDocument", "identifier": str(i)}
        for i in range(MAX_FALLBACK_OBJECTS)
    ]
    started = time.process_time()

    with pytest.raises(PoisonedDataset, match="objects"):
        canonicalize_pair(employ, None, loader)
    assert time.process_time() - started < 1
    employ["credentialSubject"]["employmentAuthorizationDocument"] = employ["credentialSubject"][
        "employmentAuthorizationDocument"
    ][: MAX_FALLBACK_OBJECTS - 10]
    assert canonicalize_pair(employ, None, loader).is_safe


@pytest.mark.parametrize("curve", CURVES)
def test_vector_signature_verifies(shared: Path, loader: ContextLoader, curve: str) -> None:
    document = signed(shared, curve)

    ecdsa_rdfc_2019.verify_proof(
        document, document["proof"], public_key(shared, curve), loader=loader
    )


@pytest.mark.parametrize("curve", CURVES)
async def test_pipeline_verifies_the_vector_through_its_did_key(
    shared: Path, loader: ContextLoader, curve: str
) -> None:
    result = await verify(signed(shared, curve), resolver=StaticResolver(), now=NOW, loader=loader)

    (proof,) = [c for c in result.checks if c.code == "proof"]
    assert (proof.status, proof.detail["cryptosuite"]) == ("passed", "ecdsa-rdfc-2019")
    # The vector's issuer is an https URL its did:key does not belong to: the binding fails.
    failed = {c.code for c in result.checks if c.status == "failed"}
    assert failed == {"issuer-key"}, result.to_json()


@pytest.mark.parametrize("curve", CURVES)
async def test_tampered_vector_is_invalid(shared: Path, loader: ContextLoader, curve: str) -> None:
    document = signed(shared, curve)
    document["credentialSubject"]["alumniOf"] = "The School of Forgeries"

    result = await verify(document, resolver=StaticResolver(), now=NOW, loader=loader)

    assert result.verdict == "invalid"
    assert [c.status for c in result.checks if c.code == "proof"] == ["failed"]


def test_wrong_key_and_malformed_values_are_refused(shared: Path, loader: ContextLoader) -> None:
    document = signed(shared, "P256")
    short = copy.deepcopy(document["proof"])
    short["proofValue"] = "z3mZ"

    with pytest.raises(ProofError, match="does not match"):
        ecdsa_rdfc_2019.verify_proof(
            document, document["proof"], generate_key_pair("p256").public_key, loader=loader
        )
    with pytest.raises(ProofError, match="P-256 or P-384"):
        ecdsa_rdfc_2019.verify_proof(
            document, document["proof"], generate_key_pair().public_key, loader=loader
        )
    with pytest.raises(ProofError, match="64 bytes"):
        ecdsa_rdfc_2019.verify_proof(document, short, public_key(shared, "P256"), loader=loader)
