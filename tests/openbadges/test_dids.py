import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbadges.dids import (
    DID_V1,
    JWK_V1,
    MULTIKEY_V1,
    controller_document,
    did_jwk,
    did_key,
    did_web_to_url,
    resolve_did_jwk,
    resolve_did_key,
    url_to_did_web,
)
from openbadges.errors import InvalidDocument, InvalidKey
from openbadges.keys import (
    KeyPair,
    generate_key_pair,
    public_jwk,
    public_key_from_multibase,
    public_key_multibase,
)
from openbadges.multibase import (
    ED25519_PUBLIC,
    ED25519_SECRET,
    decode_base64url,
    encode_base64url,
    encode_multikey,
)

W3C_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_DID = f"did:key:{W3C_PUBLIC_KEY}"
SECP256K1_PUBLIC = bytes.fromhex("e701")
# did:jwk spec example (P-256).
SPEC_P256_DID = (
    "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6"
    "OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def proof_methods(credential: dict[str, Any]) -> list[str]:
    proofs = credential.get("proof", [])
    return [p["verificationMethod"] for p in (proofs if isinstance(proofs, list) else [proofs])]


def jwt_header(path: Path) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(decode_base64url(path.read_text().split(".")[0]))
    return header


def test_did_key_of_the_w3c_key_is_its_multibase(shared: Path) -> None:
    vector = read_json(shared / "vc-test-vectors/w3c-vc-di-eddsa/keyPair.json")
    key = KeyPair.from_key_file(vector)
    assert did_key(key.public_key) == W3C_DID


def test_resolve_did_key_builds_the_did_key_document() -> None:
    vm_id = f"{W3C_DID}#{W3C_PUBLIC_KEY}"
    assert resolve_did_key(vm_id) == {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": W3C_DID,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": W3C_DID,
                "publicKeyMultibase": W3C_PUBLIC_KEY,
            }
        ],
        "assertionMethod": [vm_id],
        "authentication": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


def test_resolve_did_key_lists_the_proof_methods_of_wild_credentials(shared: Path) -> None:
    checked = 0
    for path in sorted((shared / "wild-corpus").glob("0*.json")):
        if path.name.endswith((".status.json", ".keydoc.json")):
            continue
        for method in proof_methods(read_json(path)):
            if method.startswith("did:key:") and "#" in method:
                document = resolve_did_key(method)
                assert method in document["assertionMethod"], path.name
                assert document["id"] == method.split("#")[0]
                checked += 1
    assert checked >= 10


def test_resolve_did_key_matches_the_multikey_method_of_a_did_web_document(shared: Path) -> None:
    published = read_json(shared / "wild-corpus/008-dcc-v2-di-didweb.keydoc.json")
    web_method = published["verificationMethod"][0]
    fingerprint = web_method["publicKeyMultibase"]
    key_method = resolve_did_key(f"did:key:{fingerprint}")["verificationMethod"][0]
    assert key_method["type"] == web_method["type"] == "Multikey"
    assert key_method["publicKeyMultibase"] == fingerprint
    assert key_method["id"].split("#")[1] == web_method["id"].split("#")[1]


def test_resolve_did_key_handles_p256_keys() -> None:
    key = generate_key_pair("p256")
    document = resolve_did_key(key.controller)
    method = document["verificationMethod"][0]
    assert method["id"] == key.id
    assert public_jwk(public_key_from_multibase(method["publicKeyMultibase"])) == public_jwk(
        key.public_key
    )


@pytest.mark.parametrize(
    "did",
    [
        "did:key:",
        "did:key:6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ0",
        f"did:key:{encode_multikey(ED25519_SECRET, bytes(32))}",
        f"did:key:{encode_multikey(ED25519_PUBLIC, bytes(31))}",
        "did:key:" + encode_multikey(SECP256K1_PUBLIC, bytes(33)),
        f"did:jwk:{W3C_PUBLIC_KEY}",
    ],
)
def test_resolve_did_key_rejects_malformed_identifiers(did: str) -> None:
    with pytest.raises(InvalidDocument):
        resolve_did_key(did)


def test_did_key_refuses_rsa_keys() -> None:
    with pytest.raises(InvalidKey):
        did_key(generate_key_pair("rsa").public_key)


def test_resolve_did_jwk_reads_the_web5_kids(shared: Path) -> None:
    for name in ("039-web5-jwt-didjwk-valid.jwt", "041-web5-jwt-didjwk-bad-signature.jwt"):
        kid = jwt_header(shared / "wild-corpus" / name)["kid"]
        did = kid.split("#")[0]
        document = resolve_did_jwk(kid)
        method = document["verificationMethod"][0]
        assert (document["id"], method["id"], method["controller"]) == (did, kid, did)
        assert method["type"] == "JsonWebKey2020"
        assert method["publicKeyJwk"] == json.loads(decode_base64url(did.split(":")[2]))
        assert document["assertionMethod"] == document["keyAgreement"] == [kid]


def test_resolve_did_jwk_reads_the_spec_p256_example() -> None:
    method = resolve_did_jwk(SPEC_P256_DID)["verificationMethod"][0]
    assert method["publicKeyJwk"] == {
        "crv": "P-256",
        "kty": "EC",
        "x": "acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0",
        "y": "_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE",
    }


def test_resolve_did_jwk_follows_the_use_member() -> None:
    jwk = public_jwk(generate_key_pair().public_key)
    signing = resolve_did_jwk(did_jwk({**jwk, "use": "sig"}))
    assert "keyAgreement" not in signing
    assert signing["assertionMethod"] == [f"{signing['id']}#0"]
    encrypting = resolve_did_jwk(did_jwk({**jwk, "use": "enc"}))
    assert "assertionMethod" not in encrypting
    assert encrypting["keyAgreement"] == [f"{encrypting['id']}#0"]


@pytest.mark.parametrize(
    "did",
    [
        "did:jwk:",
        "did:jwk:not*base64",
        f"did:jwk:{encode_base64url(b'not json')}",
        f"did:jwk:{encode_base64url(b'[1, 2]')}",
        f"did:jwk:{encode_base64url(json.dumps({'kty': 'oct', 'k': 'AAAA'}).encode())}",
        f"did:key:{W3C_PUBLIC_KEY}",
    ],
)
def test_resolve_did_jwk_rejects_malformed_identifiers(did: str) -> None:
    with pytest.raises(InvalidDocument):
        resolve_did_jwk(did)


def test_did_jwk_refuses_private_keys() -> None:
    key = generate_key_pair("p256")
    private_jwk = key.to_key_file()["privateKeyJwk"]
    with pytest.raises(InvalidKey, match="private"):
        did_jwk(private_jwk)


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:example.com:issuers:abc", "https://example.com/issuers/abc/did.json"),
        ("did:web:localhost%3A8000:issuers:abc", "https://localhost:8000/issuers/abc/did.json"),
        ("did:web:example.com:u:bob#key-1", "https://example.com/u/bob/did.json"),
        (
            "did:web:digitalcredentials.github.io:vc-test-fixtures:dids:oidf",
            "https://digitalcredentials.github.io/vc-test-fixtures/dids/oidf/did.json",
        ),
    ],
)
def test_did_web_to_url_maps_host_port_and_path(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


def test_did_web_to_url_takes_the_scheme_for_local_development() -> None:
    assert did_web_to_url("did:web:localhost%3A8000", scheme="http") == (
        "http://localhost:8000/.well-known/did.json"
    )


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:key:z6Mk",
        "did:web:exa mple.com",
        "did:web:example.com%2Fevil",
        "did:web:example.com:a/b",
        "did:web:example.com?x=1",
        "did:web:example.com::empty",
        "did:web:example.com:..:admin",
    ],
)
def test_did_web_to_url_rejects_malformed_dids(did: str) -> None:
    with pytest.raises(InvalidDocument):
        did_web_to_url(did)


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("http://localhost:8000/issuers/abc", "did:web:localhost%3A8000:issuers:abc"),
        ("https://example.com", "did:web:example.com"),
        ("https://example.com/", "did:web:example.com"),
        ("https://example.com/.well-known/did.json", "did:web:example.com"),
        ("https://Example.COM/issuers/abc/did.json", "did:web:example.com:issuers:abc"),
    ],
)
def test_url_to_did_web_maps_host_port_and_path(url: str, did: str) -> None:
    assert url_to_did_web(url) == did


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "https://example.com/x?y=1",
        "https://example.com/x#frag",
        "https://user@example.com/x",
        "https://example.com:99999/x",
        "https://[::1]/x",
        "https://example.com/a/../b",
        "not a url",
    ],
)
def test_url_to_did_web_rejects_urls_without_a_did_web_form(url: str) -> None:
    with pytest.raises(InvalidDocument):
        url_to_did_web(url)


@settings(max_examples=50, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https"]),
    labels=st.lists(
        st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True), min_size=1, max_size=3
    ),
    port=st.none() | st.integers(min_value=1, max_value=65535),
    segments=st.lists(st.from_regex(r"[A-Za-z0-9._~-]{1,12}", fullmatch=True), max_size=3),
)
def test_did_web_to_url_inverts_url_to_did_web(
    scheme: str, labels: list[str], port: int | None, segments: list[str]
) -> None:
    segments = [s for s in segments if s not in (".", "..", "did.json", ".well-known")]
    host = ".".join(labels) + (f":{port}" if port else "")
    base = f"{scheme}://{host}" + "".join(f"/{s}" for s in segments)
    document_url = did_web_to_url(url_to_did_web(base), scheme=scheme)
    expected = f"{base}/did.json" if segments else f"{base}/.well-known/did.json"
    assert document_url == expected


def test_controller_document_lists_every_method_for_assertion_and_authentication() -> None:
    controller = "https://example.edu/issuers/1"
    ed = generate_key_pair(controller=controller)
    p256 = generate_key_pair("p256", controller=controller)
    document = controller_document(
        controller, [ed.verification_method(), p256.verification_method()]
    )
    assert document["@context"] == [DID_V1, MULTIKEY_V1, JWK_V1]
    assert document["id"] == controller
    assert document["assertionMethod"] == document["authentication"] == [ed.id, p256.id]
    assert [m["id"] for m in document["verificationMethod"]] == [ed.id, p256.id]


def test_controller_document_adds_the_jwk_context_only_for_json_web_keys() -> None:
    key = generate_key_pair(controller="did:web:example.com")
    document = controller_document(key.controller, [key.verification_method()])
    assert document["@context"] == [DID_V1, MULTIKEY_V1]
    assert document["verificationMethod"][0]["publicKeyMultibase"] == public_key_multibase(
        key.public_key
    )


def test_controller_document_rejects_a_method_of_another_controller() -> None:
    key = generate_key_pair(controller="did:web:example.com")
    with pytest.raises(InvalidDocument):
        controller_document("did:web:other.example", [key.verification_method()])
