"""Multibase and multicodec helpers for key and proof encodings.

Only the two bases Open Badges documents use are supported: ``z`` (base58btc, for
Multikey values and Data Integrity proof values) and ``u`` (base64url without padding).
See https://www.w3.org/TR/cid-1.0/#multibase-0 and https://www.w3.org/TR/cid-1.0/#multikey.
"""

import base64
import re

import base58

from openbadges.errors import InvalidDocument, InvalidKey, OpenBadgesError

__all__ = [
    "BASE58BTC",
    "BASE64URL",
    "ED25519_PUBLIC",
    "ED25519_SECRET",
    "P256_PUBLIC",
    "decode_base64url",
    "decode_multibase",
    "decode_multikey",
    "encode_base64url",
    "encode_multibase",
    "encode_multikey",
]

BASE58BTC = "z"
"""Multibase header of base58btc (Bitcoin alphabet)."""
BASE64URL = "u"
"""Multibase header of base64url without padding."""

ED25519_PUBLIC = bytes.fromhex("ed01")
"""Multicodec header (varint of 0xed) of a 32-byte Ed25519 public key."""
ED25519_SECRET = bytes.fromhex("8026")
"""Multicodec header (varint of 0x1300) of a 32-byte Ed25519 secret key (seed)."""
P256_PUBLIC = bytes.fromhex("8024")
"""Multicodec header (varint of 0x1200) of a 33-byte compressed P-256 public key."""

P384_PUBLIC = bytes.fromhex("8124")
"""Multicodec header (varint of 0x1201) of a 49-byte compressed P-384 public key."""

_KNOWN_HEADERS = (ED25519_PUBLIC, ED25519_SECRET, P256_PUBLIC, P384_PUBLIC)
_BASE64URL_TEXT = re.compile(r"[A-Za-z0-9_-]*")


def encode_base64url(data: bytes) -> str:
    """Encode bytes as base64url without padding (RFC 7515 §2 "Base64url Encoding")."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(
    value: str, *, error: type[OpenBadgesError] = InvalidDocument, what: str = "value"
) -> bytes:
    """Decode unpadded base64url text, rejecting any character outside its alphabet.

    Args:
        value: The text, without ``=`` padding (RFC 7515 §2).
        error: The exception class to raise on bad input.
        what: What the value is, for the error message.

    Returns:
        The decoded bytes.

    Raises:
        OpenBadgesError: ``error`` when the text is not unpadded base64url.
    """
    # Checked first: the standard decoder would silently skip characters outside the alphabet.
    if not _BASE64URL_TEXT.fullmatch(value) or len(value) % 4 == 1:
        raise error(f"{what} is not unpadded base64url text")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def encode_multibase(data: bytes, base: str = BASE58BTC) -> str:
    """Encode bytes as a multibase string with header ``z`` (default) or ``u``.

    Args:
        data: The bytes to encode.
        base: `BASE58BTC` or `BASE64URL`.

    Returns:
        The header character followed by the encoded data.

    Raises:
        ValueError: On an unsupported base (a programming error).
    """
    if base == BASE58BTC:
        return BASE58BTC + base58.b58encode(data).decode("ascii")
    if base == BASE64URL:
        return BASE64URL + encode_base64url(data)
    raise ValueError(f"unsupported multibase header {base!r}")


def decode_multibase(
    value: str, *, error: type[OpenBadgesError] = InvalidDocument, what: str = "multibase value"
) -> bytes:
    """Decode a ``z`` (base58btc) or ``u`` (base64url) multibase string.

    Args:
        value: The multibase text.
        error: The exception class to raise on bad input (e.g. `InvalidKey` for key material).
        what: What the value is, for the error message.

    Returns:
        The decoded bytes.

    Raises:
        OpenBadgesError: ``error`` on an unknown header or characters outside the alphabet.

    See https://www.w3.org/TR/cid-1.0/#multibase-0.
    """
    if not isinstance(value, str) or not value:
        raise error(f"{what} must be a non-empty string")
    header, body = value[0], value[1:]
    if header == BASE64URL:
        return decode_base64url(body, error=error, what=what)
    if header != BASE58BTC:
        raise error(f"{what} has unsupported multibase header {header!r} (expected 'z' or 'u')")
    try:
        return bytes(base58.b58decode(body))
    except ValueError as exc:
        raise error(f"{what} is not valid base58btc text") from exc


def encode_multikey(header: bytes, key_bytes: bytes) -> str:
    """Encode raw key bytes behind a multicodec header as base58btc multibase.

    Args:
        header: A multicodec header such as `ED25519_PUBLIC`.
        key_bytes: The raw key bytes.

    Returns:
        The ``z``-prefixed Multikey value (https://www.w3.org/TR/cid-1.0/#multikey).
    """
    return encode_multibase(header + key_bytes, BASE58BTC)


def decode_multikey(value: str, *, what: str = "multikey value") -> tuple[bytes, bytes]:
    """Split a base58btc Multikey value into its multicodec header and raw key bytes.

    Args:
        value: A ``z``-prefixed multibase string.
        what: What the value is, for the error message.

    Returns:
        ``(header, key_bytes)`` where header is one of the known multicodec constants.

    Raises:
        InvalidKey: When the value is not base58btc or its multicodec header is unknown.
    """
    if not isinstance(value, str) or not value.startswith(BASE58BTC):
        raise InvalidKey(f"{what} must be a base58btc ('z') multibase string")
    data = decode_multibase(value, error=InvalidKey, what=what)
    for header in _KNOWN_HEADERS:
        if data.startswith(header):
            return header, data[len(header) :]
    raise InvalidKey(f"{what} has an unsupported multicodec header 0x{data[:2].hex()}")
