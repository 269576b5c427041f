import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from openbadges.errors import InvalidKey
from openbadges.keys import (
    KeyPair,
    KeyType,
    generate_key_pair,
    identify_key_type,
    jwk_thumbprint,
    public_jwk,
    public_key_from_jwk,
    public_key_from_multibase,
    public_key_multibase,
)
from openbadges.multibase import ED25519_SECRET, decode_multikey, encode_multikey

W3C_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
# RFC 7638 §3.1 and RFC 8037 Appendix A.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJEC"
    "PebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvzq"
    "Y368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
    "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def rsa_key() -> KeyPair:
    return generate_key_pair("rsa")


@pytest.fixture(scope="module")
def key_pairs(rsa_key: KeyPair) -> dict[str, KeyPair]:
    return {"ed25519": generate_key_pair(), "p256": generate_key_pair("p256"), "rsa": rsa_key}


def test_from_key_file_derives_the_w3c_public_key_from_its_private_multibase(shared: Path) -> None:
    vector = read_json(shared / "vc-test-vectors/w3c-vc-di-eddsa/keyPair.json")
    key = KeyPair.from_key_file({"privateKeyMultibase": vector["privateKeyMultibase"]})
    assert public_key_multibase(key.public_key) == W3C_PUBLIC_KEY
    assert key.controller == f"did:key:{W3C_PUBLIC_KEY}"
    assert key.id == f"did:key:{W3C_PUBLIC_KEY}#{W3C_PUBLIC_KEY}"


def test_from_key_file_reads_the_1edtech_vector_in_each_form(shared: Path) -> None:
    vector = read_json(shared / "vc-test-vectors/1edtech-ob30/keyPair.json")
    whole = KeyPair.from_key_file(vector)
    assert whole.id == vector["id"]
    assert whole.controller == vector["controller"]
    assert public_key_multibase(whole.public_key) == vector["publicKeyMultibase"]
    for secret in ("privateKeyHex", "secretKeyMultibase"):
        alone = KeyPair.from_key_file(
            {secret: vector[secret], "publicKeyHex": vector["publicKeyHex"]}
        )
        assert public_key_multibase(alone.public_key) == vector["publicKeyMultibase"]


def test_from_key_file_accepts_the_legacy_64_byte_secret_key_multibase(shared: Path) -> None:
    vector = read_json(shared / "vc-test-vectors/1edtech-ob30/keyPair.json")
    header, raw = decode_multikey(vector["secretKeyMultibase"])
    assert (header, len(raw)) == (ED25519_SECRET, 64)
    key = KeyPair.from_key_file({"secretKeyMultibase": vector["secretKeyMultibase"]})
    assert public_key_multibase(key.public_key) == vector["publicKeyMultibase"]


def test_from_key_file_rejects_a_public_key_of_another_secret(shared: Path) -> None:
    w3c = read_json(shared / "vc-test-vectors/w3c-vc-di-eddsa/keyPair.json")
    edtech = read_json(shared / "vc-test-vectors/1edtech-ob30/keyPair.json")
    mixed = {
        "privateKeyMultibase": w3c["privateKeyMultibase"],
        "publicKeyHex": edtech["publicKeyHex"],
    }
    with pytest.raises(InvalidKey, match="publicKeyHex does not match"):
        KeyPair.from_key_file(mixed)
    mixed = {**w3c, "publicKeyMultibase": edtech["publicKeyMultibase"]}
    with pytest.raises(InvalidKey, match="publicKeyMultibase does not match"):
        KeyPair.from_key_file(mixed)


def test_from_key_file_rejects_a_legacy_secret_with_a_foreign_public_half(shared: Path) -> None:
    edtech = read_json(shared / "vc-test-vectors/1edtech-ob30/keyPair.json")
    seed = bytes.fromhex(edtech["privateKeyHex"])[:32]
    forged = encode_multikey(ED25519_SECRET, seed + bytes(32))
    with pytest.raises(InvalidKey, match="public half"):
        KeyPair.from_key_file({"secretKeyMultibase": forged})


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"secretKeyMultibase": W3C_PUBLIC_KEY},
        {"secretKeyMultibase": encode_multikey(ED25519_SECRET, bytes(31))},
        {"privateKeyHex": "not hex"},
        {"privateKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}},
        {"privateKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "d": "AAAA"}},
        {"privateKeyJwk": {"kty": "oct", "k": "AAAA", "d": "AAAA"}},
        {"privateKeyHex": RFC8037_D, "id": 7},
        ["privateKeyHex", RFC8037_D],
    ],
)
def test_from_key_file_rejects_unusable_secrets(data: Any) -> None:
    with pytest.raises(InvalidKey):
        KeyPair.from_key_file(data)


def test_from_key_file_reads_the_rfc8037_private_jwk() -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "d": RFC8037_D, "x": RFC8037_X}
    key = KeyPair.from_key_file({"privateKeyJwk": jwk, "controller": "https://example.edu/i/1"})
    assert public_jwk(key.public_key) == {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}
    assert key.id == f"https://example.edu/i/1#{public_key_multibase(key.public_key)}"


@pytest.mark.parametrize("key_type", ["ed25519", "p256", "rsa"])
def test_to_key_file_round_trips_through_from_key_file(
    key_pairs: dict[str, KeyPair], key_type: KeyType
) -> None:
    key = key_pairs[key_type]
    loaded = KeyPair.from_key_file(json.loads(json.dumps(key.to_key_file())))
    assert (loaded.id, loaded.controller, loaded.type) == (key.id, key.controller, key_type)
    assert public_jwk(loaded.public_key) == public_jwk(key.public_key)


def test_to_key_file_of_ed25519_holds_the_seed_and_a_multikey_document(
    key_pairs: dict[str, KeyPair],
) -> None:
    key = key_pairs["ed25519"]
    data = key.to_key_file()
    header, seed = decode_multikey(data["secretKeyMultibase"])
    assert (header, len(seed)) == (ED25519_SECRET, 32)
    assert data["type"] == "Multikey"
    assert data["publicKeyMultibase"] == key.id.split("#")[1]
    assert "privateKeyJwk" not in data
    assert data["controllerDocument"]["assertionMethod"] == [key.id]
    assert data["controllerDocument"]["verificationMethod"] == [key.verification_method()]


@pytest.mark.parametrize("key_type", ["p256", "rsa"])
def test_to_key_file_of_rsa_and_p256_uses_json_web_keys(
    key_pairs: dict[str, KeyPair], key_type: KeyType
) -> None:
    data = key_pairs[key_type].to_key_file()
    assert data["type"] == "JsonWebKey"
    assert "d" in data["privateKeyJwk"]
    assert "d" not in data["publicKeyJwk"]
    assert ("publicKeyMultibase" in data) == (key_type == "p256")
    assert "https://w3id.org/security/jwk/v1" in data["controllerDocument"]["@context"]


def test_verification_method_is_multikey_for_ed25519_and_jsonwebkey_otherwise(
    key_pairs: dict[str, KeyPair],
) -> None:
    ed = key_pairs["ed25519"].verification_method()
    assert set(ed) == {"id", "type", "controller", "publicKeyMultibase"}
    assert ed["type"] == "Multikey"
    for key_type in ("p256", "rsa"):
        method = key_pairs[key_type].verification_method()
        assert set(method) == {"id", "type", "controller", "publicKeyJwk"}
        assert method["type"] == "JsonWebKey"


def test_generate_key_pair_defaults_to_did_key_and_did_jwk(key_pairs: dict[str, KeyPair]) -> None:
    ed, p256, rsa_pair = key_pairs["ed25519"], key_pairs["p256"], key_pairs["rsa"]
    assert ed.controller.startswith("did:key:z6Mk")
    assert ed.id == f"{ed.controller}#{ed.controller.removeprefix('did:key:')}"
    assert p256.controller.startswith("did:key:zDn")
    assert p256.id == f"{p256.controller}#{p256.controller.removeprefix('did:key:')}"
    assert rsa_pair.controller.startswith("did:jwk:")
    assert rsa_pair.id == f"{rsa_pair.controller}#0"
    assert isinstance(rsa_pair.private_key, rsa.RSAPrivateKey)
    assert rsa_pair.private_key.key_size == 2048


def test_generate_key_pair_names_methods_under_a_given_controller() -> None:
    controller = "https://example.edu/issuers/1"
    ed = generate_key_pair(controller=controller)
    assert ed.id == f"{controller}#{public_key_multibase(ed.public_key)}"
    p256 = generate_key_pair("p256", controller=controller)
    assert p256.id == f"{controller}#key-{jwk_thumbprint(public_jwk(p256.public_key))}"
    named = generate_key_pair(vm_id=f"{controller}#primary")
    assert (named.id, named.controller) == (f"{controller}#primary", controller)


def test_generate_key_pair_rejects_an_unknown_type() -> None:
    with pytest.raises(InvalidKey, match="unsupported key type"):
        generate_key_pair("dsa")  # type: ignore[arg-type]


def test_key_pair_rejects_other_curves_and_short_rsa_keys() -> None:
    with pytest.raises(InvalidKey):
        KeyPair("urn:k", "urn:c", ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(InvalidKey, match="2048"):
        KeyPair("urn:k", "urn:c", rsa.generate_private_key(65537, 1024))  # noqa: S505 - must be refused


@settings(max_examples=20, deadline=None)
@given(key_type=st.sampled_from(["ed25519", "p256"]))
def test_public_key_from_multibase_inverts_public_key_multibase(key_type: KeyType) -> None:
    key = generate_key_pair(key_type).public_key
    decoded = public_key_from_multibase(public_key_multibase(key))
    assert public_jwk(decoded) == public_jwk(key)


@pytest.mark.parametrize("key_type", ["ed25519", "p256", "rsa"])
def test_public_key_from_jwk_inverts_public_jwk(
    key_pairs: dict[str, KeyPair], key_type: KeyType
) -> None:
    key = key_pairs[key_type].public_key
    jwk = public_jwk(key)
    assert not {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys()
    assert identify_key_type(public_key_from_jwk(jwk)) == key_type
    assert public_jwk(public_key_from_jwk({**jwk, "kid": "k", "use": "sig"})) == jwk


def test_public_jwk_pads_p256_coordinates_to_32_bytes() -> None:
    for _ in range(20):
        jwk = public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
        assert len(jwk["x"]) == len(jwk["y"]) == 43


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        ({"kty": "oct", "k": "c2VjcmV0"}, "unsupported JWK key type 'oct'"),
        ({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "d": RFC8037_D}, "private key members"),
        ({"kty": "OKP", "crv": "X25519", "x": RFC8037_X}, "unsupported curve"),
        ({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, "unsupported curve"),
        ({"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43}, "unusable EC JWK"),
        ({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X[:-3]}, "unusable OKP JWK"),
        ({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X[:-1] + "+"}, "base64url"),
        ({"kty": "OKP", "crv": "Ed25519", "x": 5}, "must be a string"),
        ({"kty": "RSA", "e": "AQAB"}, "unusable RSA JWK"),
        ({"kty": "XYZ"}, "unsupported JWK key type"),
        (["kty", "RSA"], "JSON object"),
    ],
)
def test_public_key_from_jwk_rejects_unusable_keys(jwk: Any, message: str) -> None:
    with pytest.raises(InvalidKey, match=message):
        public_key_from_jwk(jwk)


def test_public_key_from_jwk_rejects_rsa_keys_under_2048_bits() -> None:
    small = rsa.generate_private_key(65537, 1024).public_key()  # noqa: S505 - must be refused
    jwk = public_jwk(small)
    with pytest.raises(InvalidKey, match="at least 2048 bits"):
        public_key_from_jwk(jwk)


def test_jwk_thumbprint_matches_the_rfc_examples() -> None:
    rsa_jwk = {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}
    assert jwk_thumbprint(rsa_jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    okp_jwk = {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}
    assert jwk_thumbprint(okp_jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


@pytest.mark.parametrize(
    "jwk", [{"kty": "oct", "k": "AA"}, {"kty": "EC", "crv": "P-256", "x": "AA"}]
)
def test_jwk_thumbprint_rejects_unknown_types_and_missing_members(jwk: dict[str, str]) -> None:
    with pytest.raises(InvalidKey):
        jwk_thumbprint(jwk)


@pytest.mark.parametrize(
    "value",
    [
        encode_multikey(ED25519_SECRET, bytes(32)),
        encode_multikey(b"\xed\x01", bytes(31)),
        encode_multikey(b"\x80\x24", b"\x05" + bytes(32)),
        "z",
    ],
)
def test_public_key_from_multibase_rejects_secrets_bad_lengths_and_bad_points(value: str) -> None:
    with pytest.raises(InvalidKey):
        public_key_from_multibase(value)


def test_public_key_multibase_refuses_rsa(key_pairs: dict[str, KeyPair]) -> None:
    with pytest.raises(InvalidKey, match="Multikey"):
        public_key_multibase(key_pairs["rsa"].public_key)


def test_identify_key_type_names_each_family(key_pairs: dict[str, KeyPair]) -> None:
    assert identify_key_type(Ed25519PrivateKey.generate()) == "ed25519"
    assert identify_key_type(Ed25519PrivateKey.generate().public_key()) == "ed25519"
    assert isinstance(key_pairs["ed25519"].public_key, Ed25519PublicKey)
    assert {name: pair.type for name, pair in key_pairs.items()} == {
        "ed25519": "ed25519",
        "p256": "p256",
        "rsa": "rsa",
    }
