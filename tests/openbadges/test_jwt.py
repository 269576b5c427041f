import asyncio
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from openbadges.dids import did_jwk
from openbadges.errors import InvalidDocument, KeyResolutionError, ProofError
from openbadges.keys import KeyPair, KeyType, generate_key_pair, public_jwk
from openbadges.multibase import encode_base64url
from openbadges.proofs.jwt import decode_jwt_unverified, sign_jwt, verify_jwt
from openbadges.resolver import StaticResolver

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
WILD = "wild-corpus"


@pytest.fixture(scope="module")
def keys() -> dict[str, KeyPair]:
    return {
        "ed25519": generate_key_pair(),
        "p256": generate_key_pair("p256"),
        "rsa": generate_key_pair("rsa"),
    }


def credential_for(key: KeyPair, **changes: Any) -> dict[str, Any]:
    credential = {
        "@context": [VC_V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:6f2e33e5-7a29-4155-840a-59483ba10164",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.controller, "type": ["Profile"], "name": "Académie"},
        "validFrom": "2024-03-01T09:30:00Z",
        "credentialSubject": {"id": "did:example:learner", "type": ["AchievementSubject"]},
    }
    return {**credential, **changes}


def forge(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    parts = [json.dumps(header).encode(), json.dumps(payload).encode()]
    return ".".join([*(encode_base64url(p) for p in parts), encode_base64url(signature)])


def read_token(shared: Path, name: str) -> str:
    return (shared / WILD / name).read_text()


@pytest.mark.parametrize(
    ("key_type", "alg"), [("ed25519", "EdDSA"), ("p256", "ES256"), ("rsa", "RS256")]
)
async def test_verify_jwt_accepts_what_sign_jwt_produced(
    keys: dict[str, KeyPair], key_type: KeyType, alg: str
) -> None:
    key = keys[key_type]
    credential = credential_for(key, validUntil="2030-01-01T00:00:00Z")
    token = sign_jwt(credential, key)
    result = await verify_jwt(token, StaticResolver())
    assert result.credential == credential
    assert result.header == {"alg": alg, "kid": key.id, "typ": "JWT"}
    assert (result.key_id, result.key_source) == (key.id, "kid")
    assert result.verification_method is not None
    assert "assertionMethod" in result.verification_method.relationships


def test_sign_jwt_adds_the_ob30_claims(keys: dict[str, KeyPair]) -> None:
    key = keys["ed25519"]
    credential = credential_for(key, validUntil="2030-01-01T00:00:00.750+01:00")
    _, payload = decode_jwt_unverified(sign_jwt(credential, key))
    assert payload["iss"] == key.controller
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == "did:example:learner"
    assert payload["nbf"] == 1709285400
    assert payload["exp"] == 1893452400
    assert {
        k: v for k, v in payload.items() if k not in ("iss", "jti", "sub", "nbf", "exp")
    } == credential


def test_sign_jwt_uses_issuance_and_expiration_dates_of_vc_11(keys: dict[str, KeyPair]) -> None:
    key = keys["rsa"]
    credential = credential_for(
        key,
        issuer=key.controller,
        issuanceDate="2010-01-01T00:00:00Z",
        expirationDate="2011-01-01T00:00:00Z",
        **{"@context": [VC_V1]},
    )
    del credential["validFrom"]
    header, payload = decode_jwt_unverified(
        sign_jwt(credential, key, kid="https://example.edu/k#1")
    )
    assert header["kid"] == "https://example.edu/k#1"
    assert (payload["iss"], payload["nbf"], payload["exp"]) == (
        key.controller,
        1262304000,
        1293840000,
    )


def test_sign_jwt_rejects_dates_without_a_time_zone(keys: dict[str, KeyPair]) -> None:
    key = keys["ed25519"]
    with pytest.raises(InvalidDocument, match="time zone"):
        sign_jwt(credential_for(key, validFrom="2024-03-01T09:30:00"), key)
    with pytest.raises(InvalidDocument, match="ISO 8601"):
        sign_jwt(credential_for(key, validFrom="yesterday"), key)


async def test_verify_jwt_resolves_a_did_web_kid_through_the_resolver() -> None:
    key = generate_key_pair("p256", controller="did:web:example.edu")
    document = key.to_key_file()["controllerDocument"]
    token = sign_jwt(credential_for(key), key)
    result = await verify_jwt(token, StaticResolver({document["id"]: document}))
    assert result.verification_method is not None
    assert result.verification_method.controller == "did:web:example.edu"
    with pytest.raises(KeyResolutionError):
        await verify_jwt(token, StaticResolver())


async def test_verify_jwt_resolves_a_relative_kid_against_iss(keys: dict[str, KeyPair]) -> None:
    key = keys["rsa"]
    result = await verify_jwt(sign_jwt(credential_for(key), key, kid="#0"), StaticResolver())
    assert result.key_id == key.id


@settings(max_examples=25, deadline=None)
@given(
    name=st.text(max_size=40),
    extra=st.dictionaries(
        st.from_regex(r"x[a-z]{1,8}", fullmatch=True),
        st.integers() | st.text(max_size=10),
        max_size=3,
    ),
)
def test_verify_jwt_returns_extension_members_unchanged(name: str, extra: dict[str, Any]) -> None:
    key = generate_key_pair()
    credential = credential_for(key, name=name, **extra)
    result = asyncio.run(verify_jwt(sign_jwt(credential, key), StaticResolver()))
    assert result.credential == credential


@pytest.mark.parametrize(
    "name",
    [
        "033-1edtech-jwt-vc2-rs256-jwk.jwt",
        "034-1edtech-jwt-vc11-rs256-jwk.jwt",
        "035-1edtech-clr-jwt-rs256-jwk.jwt",
    ],
)
async def test_verify_jwt_accepts_1edtech_tokens_with_an_embedded_jwk(
    shared: Path, name: str
) -> None:
    token = read_token(shared, name)
    result = await verify_jwt(token, StaticResolver())
    header, payload = decode_jwt_unverified(token)
    assert (result.key_source, result.key_id, result.verification_method) == ("jwk", None, None)
    assert result.header == header
    assert result.credential["id"] == payload["jti"]
    issuer = result.credential["issuer"]
    assert issuer["id"] == payload["iss"]
    assert "iss" not in result.credential


async def test_verify_jwt_takes_the_vc_claim_of_a_vc_11_token(shared: Path) -> None:
    token = read_token(shared, "034-1edtech-jwt-vc11-rs256-jwk.jwt")
    _, payload = decode_jwt_unverified(token)
    result = await verify_jwt(token, StaticResolver())
    assert result.credential == payload["vc"]


async def test_verify_jwt_accepts_the_web5_did_jwk_token(shared: Path) -> None:
    token = read_token(shared, "039-web5-jwt-didjwk-valid.jwt")
    result = await verify_jwt(token, StaticResolver())
    assert result.key_source == "kid"
    assert result.verification_method is not None
    assert result.verification_method.controller == result.credential["issuer"]
    assert result.credential["issuanceDate"] == "2024-04-04T13:18:46Z"


async def test_verify_jwt_rejects_a_jti_that_is_not_the_credential_id(shared: Path) -> None:
    with pytest.raises(ProofError, match="jti"):
        await verify_jwt(
            read_token(shared, "040-web5-jwt-didkey-jti-mismatch.jwt"), StaticResolver()
        )


async def test_verify_jwt_rejects_the_web5_bad_signature(shared: Path) -> None:
    with pytest.raises(ProofError, match="signature"):
        await verify_jwt(
            read_token(shared, "041-web5-jwt-didjwk-bad-signature.jwt"), StaticResolver()
        )


async def test_verify_jwt_rejects_alg_none(keys: dict[str, KeyPair]) -> None:
    key = keys["ed25519"]
    token = forge({"alg": "none", "kid": key.id}, credential_for(key))
    with pytest.raises(ProofError, match="not allowed"):
        await verify_jwt(token, StaticResolver())


@pytest.mark.parametrize("use_embedded_jwk", [False, True])
async def test_verify_jwt_rejects_hs256_signed_with_the_rsa_public_key(
    keys: dict[str, KeyPair], use_embedded_jwk: bool
) -> None:
    key = keys["rsa"]
    secret = key.public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
    header.update({"jwk": public_jwk(key.public_key)} if use_embedded_jwk else {"kid": key.id})
    unsigned = forge(header, credential_for(key)).rsplit(".", 1)[0]
    mac = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
    with pytest.raises(ProofError, match="not allowed"):
        await verify_jwt(f"{unsigned}.{encode_base64url(mac)}", StaticResolver())


async def test_verify_jwt_rejects_an_alg_that_does_not_match_the_key(
    keys: dict[str, KeyPair],
) -> None:
    signer, other = keys["p256"], keys["ed25519"]
    token = jwt.encode(
        credential_for(other), signer.private_key, algorithm="ES256", headers={"kid": other.id}
    )
    with pytest.raises(ProofError, match="does not match the ed25519 key"):
        await verify_jwt(token, StaticResolver())


async def test_verify_jwt_rejects_a_tampered_payload(keys: dict[str, KeyPair]) -> None:
    key = keys["ed25519"]
    header, payload, signature = sign_jwt(credential_for(key), key).split(".")
    claims = decode_jwt_unverified(f"{header}.{payload}.{signature}")[1]
    claims["credentialSubject"]["id"] = "did:example:impostor"
    claims["sub"] = "did:example:impostor"
    tampered = f"{header}.{encode_base64url(json.dumps(claims).encode())}.{signature}"
    with pytest.raises(ProofError, match="signature"):
        await verify_jwt(tampered, StaticResolver())


async def test_verify_jwt_rejects_a_signature_by_another_key(keys: dict[str, KeyPair]) -> None:
    key, stranger = keys["ed25519"], generate_key_pair()
    token = sign_jwt(credential_for(key), stranger, kid=key.id)
    with pytest.raises(ProofError, match="signature"):
        await verify_jwt(token, StaticResolver())


@pytest.mark.parametrize(
    ("claim", "value"), [("iss", "https://evil.example/"), ("sub", "did:example:other")]
)
async def test_verify_jwt_rejects_claims_contradicting_the_credential(
    keys: dict[str, KeyPair], claim: str, value: str
) -> None:
    key = keys["ed25519"]
    payload = {**credential_for(key), claim: value}
    token = jwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": key.id})
    with pytest.raises(ProofError, match=claim):
        await verify_jwt(token, StaticResolver())


async def test_verify_jwt_completes_a_vc_11_credential_from_its_claims(
    keys: dict[str, KeyPair],
) -> None:
    key = keys["ed25519"]
    vc = {"@context": [VC_V1], "type": ["VerifiableCredential"], "credentialSubject": {"name": "x"}}
    payload: dict[str, Any] = {"vc": vc, "iss": key.controller, "jti": "urn:uuid:1"}
    payload |= {"sub": "did:example:s", "nbf": 1262304000, "exp": 1293840000}
    token = jwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": key.id})
    credential = (await verify_jwt(token, StaticResolver())).credential
    assert credential["issuer"] == key.controller
    assert credential["id"] == "urn:uuid:1"
    assert credential["credentialSubject"] == {"name": "x", "id": "did:example:s"}
    assert credential["issuanceDate"] == "2010-01-01T00:00:00Z"
    assert credential["expirationDate"] == "2011-01-01T00:00:00Z"


async def test_verify_jwt_does_not_check_validity_dates(keys: dict[str, KeyPair]) -> None:
    key = keys["ed25519"]
    expired = credential_for(
        key, validFrom="2000-01-01T00:00:00Z", validUntil="2001-01-01T00:00:00Z"
    )
    future = credential_for(key, validFrom="2999-01-01T00:00:00Z")
    for credential in (expired, future):
        result = await verify_jwt(sign_jwt(credential, key), StaticResolver())
        assert result.credential == credential


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"alg": "EdDSA"}, "neither kid nor jwk"),
        ({"alg": "EdDSA", "kid": ""}, "non-empty string"),
        (
            {"alg": "EdDSA", "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"}},
            "jwk header",
        ),
    ],
)
async def test_verify_jwt_rejects_headers_without_a_usable_key(
    keys: dict[str, KeyPair], header: dict[str, Any], message: str
) -> None:
    token = forge(header, credential_for(keys["ed25519"]), b"sig")
    with pytest.raises(ProofError, match=message):
        await verify_jwt(token, StaticResolver())


async def test_verify_jwt_rejects_a_jwk_header_naming_another_key_than_kid(
    keys: dict[str, KeyPair],
) -> None:
    key = keys["ed25519"]
    headers = {"kid": key.id, "jwk": public_jwk(generate_key_pair().public_key)}
    token = jwt.encode(credential_for(key), key.private_key, algorithm="EdDSA", headers=headers)
    with pytest.raises(ProofError, match="different keys"):
        await verify_jwt(token, StaticResolver())


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.x",
        f"{encode_base64url(b'not json')}.e30.x",
        f"e30.{encode_base64url(b'[1]')}.x",
    ],
)
async def test_decode_jwt_unverified_rejects_garbage(token: str) -> None:
    with pytest.raises(InvalidDocument):
        decode_jwt_unverified(token)
    with pytest.raises(InvalidDocument):
        await verify_jwt(token, StaticResolver())


def test_decode_jwt_unverified_returns_header_and_payload_objects() -> None:
    header = {"alg": "RS256", "typ": "JWT"}
    assert decode_jwt_unverified(forge(header, {"a": [1]}, b"x")) == (header, {"a": [1]})


async def test_verify_jwt_accepts_a_jwk_header_matching_the_kid(keys: dict[str, KeyPair]) -> None:
    key = keys["p256"]
    headers = {"kid": key.id, "jwk": public_jwk(key.public_key)}
    token = jwt.encode(credential_for(key), key.private_key, algorithm="ES256", headers=headers)
    assert (await verify_jwt(token, StaticResolver())).key_source == "kid"


async def test_verify_jwt_rejects_a_vc_claim_that_is_no_object(keys: dict[str, KeyPair]) -> None:
    key = keys["ed25519"]
    payload = {"vc": "credential", "iss": key.controller}
    token = jwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": key.id})
    with pytest.raises(InvalidDocument, match="vc claim"):
        await verify_jwt(token, StaticResolver())


@pytest.mark.parametrize("nbf", [1e20, -1e20, 1e308])
async def test_verify_jwt_rejects_date_claims_beyond_year_9999(
    keys: dict[str, KeyPair], nbf: float
) -> None:
    key = keys["ed25519"]
    payload = {**credential_for(key), "nbf": nbf}
    token = jwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": key.id})
    with pytest.raises(InvalidDocument, match="out of range"):
        await verify_jwt(token, StaticResolver())


def token_with_jwk(issuer: str, key: KeyPair) -> str:
    payload = {**credential_for(key), "issuer": issuer, "iss": issuer}
    headers = {"jwk": public_jwk(key.public_key), "typ": "JWT"}
    return jwt.encode(payload, key.private_key, algorithm="EdDSA", headers=headers)


async def test_verify_jwt_binds_an_embedded_jwk_to_its_did_jwk_issuer() -> None:
    key = generate_key_pair()
    issuer = did_jwk(public_jwk(key.public_key))

    result = await verify_jwt(token_with_jwk(issuer, key), StaticResolver())

    assert result.key_source == "jwk"
    assert result.verification_method is not None
    assert result.verification_method.controller == issuer


async def test_verify_jwt_leaves_a_foreign_embedded_jwk_unbound() -> None:
    issuer = did_jwk(public_jwk(generate_key_pair().public_key))

    result = await verify_jwt(token_with_jwk(issuer, generate_key_pair()), StaticResolver())

    assert (result.key_source, result.verification_method) == ("jwk", None)
