import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from openbadges.contexts import ContextLoader
from openbadges.errors import InvalidDocument, InvalidKey, ProofError, UnsupportedCryptosuite
from openbadges.keys import KeyPair, generate_key_pair
from openbadges.proofs.eddsa_rdfc_2022 import create_proof, hash_data, verify_proof

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def read(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def w3c(shared: Path) -> Path:
    return shared / "vc-test-vectors/w3c-vc-di-eddsa"


@pytest.fixture(scope="module")
def ob(shared: Path) -> Path:
    return shared / "vc-test-vectors/1edtech-ob30"


@pytest.fixture(scope="module")
def loader(shared: Path) -> ContextLoader:
    examples = read(shared / "vc-test-vectors/contexts/credentials-examples-v2.jsonld")
    return ContextLoader({EXAMPLES_V2: examples})


def w3c_key(w3c: Path) -> KeyPair:
    pair = read(w3c / "keyPair.json")
    did = "did:key:" + pair["publicKeyMultibase"]
    return KeyPair.from_key_file(
        {**pair, "id": f"{did}#{pair['publicKeyMultibase']}", "controller": did}
    )


def test_w3c_vector_is_reproduced_step_by_step(w3c: Path, loader: ContextLoader) -> None:
    steps = w3c / "eddsa-rdfc-2022"
    created = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)

    proof = create_proof(read(w3c / "unsigned.json"), w3c_key(w3c), loader=loader, created=created)

    expected_config = read(steps / "proofConfigDataInt.json")
    assert {k: v for k, v in proof.items() if k != "proofValue"} == {
        k: v for k, v in expected_config.items() if k != "@context"
    }
    assert proof["proofValue"] == (steps / "sigBTC58DataInt.txt").read_text().strip()
    assert proof == read(steps / "signedDataInt.json")["proof"]


def test_w3c_vector_hashes_match(w3c: Path, loader: ContextLoader) -> None:
    from openbadges.canonical import canonicalize_pair

    steps = w3c / "eddsa-rdfc-2022"
    config = read(steps / "proofConfigDataInt.json")
    del config["@context"]
    digest = hash_data(canonicalize_pair(read(w3c / "unsigned.json"), config, loader))

    assert digest[:32].hex() == (steps / "proofHashDataInt.txt").read_text().strip()
    assert digest[32:].hex() == (steps / "docHashDataInt.txt").read_text().strip()
    assert digest.hex() == (steps / "combinedHashDataInt.txt").read_text().strip()


def test_1edtech_vector_is_reproduced(ob: Path, loader: ContextLoader) -> None:
    expected = read(ob / "expected.json")
    options = read(ob / "proofOptions.json")
    key = ob_key(ob)
    created = datetime.fromisoformat(options["created"])

    proof = create_proof(read(ob / "unsigned.json"), key, loader=loader, created=created)

    assert proof["proofValue"] == expected["proofValue"]
    assert proof == read(ob / "signed.json")["proof"]


def test_signed_vectors_verify(w3c: Path, ob: Path, loader: ContextLoader) -> None:
    signed = read(w3c / "eddsa-rdfc-2022/signedDataInt.json")
    verify_proof(signed, signed["proof"], w3c_key(w3c).public_key, loader=loader)
    signed = read(ob / "signed.json")
    verify_ob(signed, ob, loader)


def ob_key(ob: Path) -> KeyPair:
    return KeyPair.from_key_file(read(ob / "keyPair.json"))


def verify_ob(signed: dict[str, Any], ob: Path, loader: ContextLoader) -> None:
    verify_proof(signed, signed["proof"], ob_key(ob).public_key, loader=loader)


def tamper_subject(document: dict[str, Any]) -> None:
    document["credentialSubject"]["achievement"]["name"] = "Teamworc"


def tamper_issuer(document: dict[str, Any]) -> None:
    document["issuer"]["name"] = "Another Corp"


def tamper_date(document: dict[str, Any]) -> None:
    document["validFrom"] = "2010-01-01T00:00:01Z"


def tamper_created(document: dict[str, Any]) -> None:
    document["proof"]["created"] = "2010-01-01T19:23:25Z"


def tamper_purpose(document: dict[str, Any]) -> None:
    document["proof"]["proofPurpose"] = "authentication"


def drop_criteria(document: dict[str, Any]) -> None:
    del document["credentialSubject"]["achievement"]["criteria"]


def tamper_signature(document: dict[str, Any]) -> None:
    value = document["proof"]["proofValue"]
    document["proof"]["proofValue"] = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]


@pytest.mark.parametrize(
    "tamper",
    [
        tamper_subject,
        tamper_issuer,
        tamper_date,
        tamper_created,
        tamper_purpose,
        drop_criteria,
        tamper_signature,
    ],
)
def test_tampering_fails(ob: Path, loader: ContextLoader, tamper: Any) -> None:
    signed = copy.deepcopy(read(ob / "signed.json"))
    tamper(signed)

    with pytest.raises(ProofError):
        verify_ob(signed, ob, loader)


def test_wrong_key_fails(ob: Path, loader: ContextLoader) -> None:
    signed = read(ob / "signed.json")
    with pytest.raises(ProofError, match="signature"):
        verify_proof(signed, signed["proof"], generate_key_pair().public_key, loader=loader)


@pytest.mark.parametrize("value", ["z", "zzz0OIl", "uAAAA", 42, None, "z" + "1" * 10])
def test_malformed_proof_value_fails_cleanly(
    ob: Path, loader: ContextLoader, value: object
) -> None:
    signed = read(ob / "signed.json")
    signed["proof"]["proofValue"] = value
    with pytest.raises(ProofError):
        verify_ob(signed, ob, loader)


def test_other_cryptosuite_is_unsupported(ob: Path, loader: ContextLoader) -> None:
    signed = read(ob / "signed.json")
    signed["proof"]["cryptosuite"] = "ecdsa-sd-2023"
    with pytest.raises(UnsupportedCryptosuite):
        verify_proof(signed, signed["proof"], generate_key_pair().public_key, loader=loader)


def test_rsa_key_cannot_sign(ob: Path, loader: ContextLoader) -> None:
    with pytest.raises(InvalidKey):
        create_proof(read(ob / "unsigned.json"), generate_key_pair("rsa"), loader=loader)


def test_undefined_terms_are_refused_at_signing(ob: Path, loader: ContextLoader) -> None:
    document = read(ob / "unsigned.json")
    document["credentialSubject"]["commentaire"] = "non défini"

    with pytest.raises(InvalidDocument, match="commentaire"):
        create_proof(document, generate_key_pair(), loader=loader)


def test_proof_context_must_prefix_document_context(ob: Path, loader: ContextLoader) -> None:
    signed = read(ob / "signed.json")
    signed["proof"]["@context"] = [
        "https://www.w3.org/ns/credentials/v2",
        "https://example.org/other",
    ]
    with pytest.raises(ProofError, match="prefix"):
        verify_ob(signed, ob, loader)
