import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbadges.errors import InvalidDocument, InvalidKey
from openbadges.multibase import (
    BASE58BTC,
    BASE64URL,
    ED25519_PUBLIC,
    ED25519_SECRET,
    P256_PUBLIC,
    decode_base64url,
    decode_multibase,
    decode_multikey,
    encode_base64url,
    encode_multibase,
    encode_multikey,
)

W3C_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=80), base=st.sampled_from([BASE58BTC, BASE64URL]))
def test_decode_multibase_inverts_encode_for_any_bytes(data: bytes, base: str) -> None:
    encoded = encode_multibase(data, base)
    assert encoded[0] == base
    assert decode_multibase(encoded) == data


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=80))
def test_encode_base64url_is_unpadded_and_round_trips(data: bytes) -> None:
    encoded = encode_base64url(data)
    assert "=" not in encoded
    assert "+" not in encoded
    assert "/" not in encoded
    assert decode_base64url(encoded) == data


def test_multicodec_headers_are_the_published_varints() -> None:
    assert ED25519_PUBLIC == b"\xed\x01"
    assert ED25519_SECRET == b"\x80\x26"
    assert P256_PUBLIC == b"\x80\x24"


def test_decode_multikey_splits_the_w3c_public_key() -> None:
    header, raw = decode_multikey(W3C_PUBLIC_KEY)
    assert header == ED25519_PUBLIC
    assert len(raw) == 32
    assert encode_multikey(header, raw) == W3C_PUBLIC_KEY


@pytest.mark.parametrize("value", ["", "f00ff", "m AAA", "Z6Mk"])
def test_decode_multibase_rejects_unknown_headers(value: str) -> None:
    with pytest.raises(InvalidDocument):
        decode_multibase(value)


@pytest.mark.parametrize("value", ["z0OIl", "z6Mk+", "zé"])
def test_decode_multibase_rejects_characters_outside_base58btc(value: str) -> None:
    with pytest.raises(InvalidDocument, match="base58btc"):
        decode_multibase(value)


@pytest.mark.parametrize("value", ["uAA==", "uA+B/", "uAAAAA", "uA A"])
def test_decode_multibase_rejects_padded_or_standard_base64(value: str) -> None:
    with pytest.raises(InvalidDocument, match="base64url"):
        decode_multibase(value)


def test_decode_multibase_raises_the_requested_error_class() -> None:
    with pytest.raises(InvalidKey, match="publicKeyMultibase"):
        decode_multibase("x123", error=InvalidKey, what="publicKeyMultibase")


def test_encode_multibase_refuses_an_unsupported_base() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        encode_multibase(b"abc", "f")


def test_decode_multikey_rejects_an_unknown_multicodec() -> None:
    secp256k1 = encode_multibase(b"\xe7\x01" + bytes(33))
    with pytest.raises(InvalidKey, match="multicodec"):
        decode_multikey(secp256k1)


def test_decode_multikey_requires_base58btc() -> None:
    with pytest.raises(InvalidKey, match="base58btc"):
        decode_multikey(encode_multibase(ED25519_PUBLIC + bytes(32), BASE64URL))
