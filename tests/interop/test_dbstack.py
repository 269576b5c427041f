"""The JavaScript harness itself, checked on published vectors (no use of our own proofs)."""

import copy
import json
from pathlib import Path

import pytest

from openbadges.jsontypes import JSONObject
from tests.interop.dbstack import DbStack, DbStackError, build_controller_document

pytestmark = pytest.mark.interop

EXAMPLES_CONTEXT_URL = "https://www.w3.org/ns/credentials/examples/v2"
W3C_SIGNED = "vc-test-vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json"


def read_json(path: Path) -> JSONObject:
    document: JSONObject = json.loads(path.read_text(encoding="utf-8"))
    return document


def onedtech_key(shared: Path) -> JSONObject:
    pair = read_json(shared / "vc-test-vectors/1edtech-ob30/keyPair.json")
    fields = ("id", "controller", "publicKeyMultibase", "secretKeyMultibase")
    return {field: pair[field] for field in fields}


def onedtech_documents(shared: Path) -> JSONObject:
    key = onedtech_key(shared)
    controller = build_controller_document(key["id"], key["controller"], key["publicKeyMultibase"])
    return {key["controller"]: controller}


def w3c_didkey_key(shared: Path) -> JSONObject:
    pair = read_json(shared / "vc-test-vectors/w3c-vc-di-eddsa/keyPair.json")
    public = pair["publicKeyMultibase"]
    return {
        "id": f"did:key:{public}#{public}",
        "controller": f"did:key:{public}",
        "publicKeyMultibase": public,
        "secretKeyMultibase": pair["privateKeyMultibase"],
    }


def test_verify_accepts_1edtech_vector_with_did_context_controller(
    dbstack: DbStack, shared: Path
) -> None:
    signed = read_json(shared / "vc-test-vectors/1edtech-ob30/signed.json")

    assert dbstack.verify(signed, onedtech_documents(shared)) == (True, [])


def test_verify_accepts_1edtech_vector_with_security_context_controller(
    dbstack: DbStack, shared: Path
) -> None:
    # not DID-context-first: jsonld-signatures frames it, and the key is embedded
    key = onedtech_key(shared)
    controller = {
        "@context": ["https://w3id.org/security/v2", "https://w3id.org/security/multikey/v1"],
        "id": key["controller"],
        "assertionMethod": [
            {
                "id": key["id"],
                "type": "Multikey",
                "controller": key["controller"],
                "publicKeyMultibase": key["publicKeyMultibase"],
            }
        ],
    }
    signed = read_json(shared / "vc-test-vectors/1edtech-ob30/signed.json")

    assert dbstack.verify(signed, {key["controller"]: controller}) == (True, [])


def test_verify_refuses_to_fetch_unknown_urls(dbstack: DbStack, shared: Path) -> None:
    signed = read_json(shared / "vc-test-vectors/1edtech-ob30/signed.json")

    verified, errors = dbstack.verify(signed)

    assert not verified
    assert any("dbstack refuses to load" in error for error in errors), errors


def test_verify_accepts_w3c_vector_without_issuer_binding(dbstack: DbStack, shared: Path) -> None:
    signed = read_json(
        shared / "vc-test-vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json"
    )
    examples = read_json(shared / "vc-test-vectors/contexts/credentials-examples-v2.jsonld")

    result = dbstack.verify(signed, {EXAMPLES_CONTEXT_URL: examples}, check_issuer=False)

    assert result == (True, [])


def test_verify_rejects_w3c_vector_when_issuer_is_not_the_signing_controller(
    dbstack: DbStack, shared: Path
) -> None:
    # the vector's issuer is https://vc.example/issuers/5678, its key a did:key
    signed = read_json(
        shared / "vc-test-vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json"
    )
    examples = read_json(shared / "vc-test-vectors/contexts/credentials-examples-v2.jsonld")

    result = dbstack.verify(signed, {EXAMPLES_CONTEXT_URL: examples})

    assert result == (False, ["Credential issuer must match the verification method controller."])


def test_sign_reproduces_1edtech_vector_exactly(dbstack: DbStack, shared: Path) -> None:
    folder = shared / "vc-test-vectors/1edtech-ob30"
    unsigned = read_json(folder / "unsigned.json")
    options = read_json(folder / "proofOptions.json")

    # keyPair.json's secretKeyMultibase is the legacy 0x8026 + 64-byte (seed + public key) form
    signed = dbstack.sign(unsigned, onedtech_key(shared), created=options["created"])

    assert signed["proof"]["proofValue"] == read_json(folder / "expected.json")["proofValue"]
    assert signed == read_json(folder / "signed.json")
    assert "proof" not in unsigned


def test_verify_rejects_credential_with_one_changed_name_character(
    dbstack: DbStack, shared: Path
) -> None:
    signed = read_json(shared / "vc-test-vectors/1edtech-ob30/signed.json")
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Teamworc"  # was "Teamwork"

    verified, errors = dbstack.verify(tampered, onedtech_documents(shared))

    assert not verified
    assert errors == ["Invalid signature."]


def test_verify_accepts_wild_corpus_didkey_credential(dbstack: DbStack, shared: Path) -> None:
    credential = read_json(shared / "wild-corpus/001-dcc-v2-di-didkey-basic.json")

    assert dbstack.verify(credential) == (True, [])


def test_verify_rejects_wild_corpus_credential_before_valid_from(
    dbstack: DbStack, shared: Path
) -> None:
    credential = read_json(shared / "wild-corpus/001-dcc-v2-di-didkey-basic.json")

    verified, errors = dbstack.verify(credential, now="2024-01-01T00:00:00Z")

    assert not verified
    assert any('is before "validFrom"' in error for error in errors), errors


def test_sign_with_seed_key_round_trips_through_did_key(dbstack: DbStack, shared: Path) -> None:
    key = w3c_didkey_key(shared)  # 0x8026 + 32-byte seed, as in the W3C vector
    unsigned = read_json(shared / "vc-test-vectors/1edtech-ob30/unsigned.json")
    unsigned["issuer"]["id"] = key["controller"]

    signed = dbstack.sign(unsigned, key)

    assert signed["proof"]["verificationMethod"] == key["id"]
    assert dbstack.verify(signed) == (True, [])


def test_sign_rejects_secret_key_of_another_public_key(dbstack: DbStack, shared: Path) -> None:
    key = {
        **onedtech_key(shared),
        "secretKeyMultibase": w3c_didkey_key(shared)["secretKeyMultibase"],
    }
    unsigned = read_json(shared / "vc-test-vectors/1edtech-ob30/unsigned.json")

    with pytest.raises(DbStackError, match="does not match"):
        dbstack.sign(unsigned, key)


@pytest.mark.parametrize("what", ["sign", "verify"])
def test_bench_reports_positive_rate(dbstack: DbStack, shared: Path, what: str) -> None:
    unsigned = read_json(shared / "vc-test-vectors/1edtech-ob30/unsigned.json")

    assert dbstack.bench(what, unsigned, onedtech_key(shared), 5) > 0


def test_failed_request_leaves_the_process_serving(dbstack: DbStack, shared: Path) -> None:
    unsigned = read_json(shared / "vc-test-vectors/1edtech-ob30/unsigned.json")

    with pytest.raises(DbStackError, match='"what" must be'):
        dbstack.bench("derive", unsigned, onedtech_key(shared), 1)

    assert dbstack.verify(read_json(shared / "wild-corpus/001-dcc-v2-di-didkey-basic.json"))[0]
