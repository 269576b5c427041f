"""Issuer key pairs and their public encodings: Multikey and JSON Web Key.

Multikey: https://www.w3.org/TR/cid-1.0/#multikey (Ed25519 ``0xed01``, P-256 ``0x8024``;
P-384 ``0x8124`` is read, for verifying ecdsa-rdfc-2019 proofs, never generated).
JWK: RFC 7517, RFC 7518 §6 (RSA, EC) and RFC 8037 (OKP/Ed25519); thumbprints: RFC 7638.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from jwt.exceptions import PyJWTError

from openbadges.controller_documents import controller_document
from openbadges.errors import InvalidKey
from openbadges.jsontypes import JSONObject, dumps
from openbadges.multibase import (
    ED25519_PUBLIC,
    ED25519_SECRET,
    P256_PUBLIC,
    P384_PUBLIC,
    decode_base64url,
    decode_multikey,
    encode_base64url,
    encode_multikey,
)

__all__ = [
    "MIN_RSA_BITS",
    "KeyPair",
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "did_jwk",
    "did_key",
    "generate_key_pair",
    "identify_key_type",
    "jwk_thumbprint",
    "public_jwk",
    "public_key_from_jwk",
    "public_key_from_multibase",
    "public_key_multibase",
]

KeyType = Literal["ed25519", "rsa", "p256"]
PublicKey = Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey
PrivateKey = Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

MIN_RSA_BITS = 2048
"""Smallest RSA modulus accepted (NIST SP 800-131A; OB 3.0 §8.2 requires RS256)."""

_ED25519_SIZE = 32
_P256_COMPRESSED_SIZE = 33
_P384_COMPRESSED_SIZE = 49
# RFC 7517 §4, RFC 7518 §6.2.2, §6.3.2, §6.4: members only private or symmetric keys have.
_PRIVATE_NAMES = ("d", "p", "q", "dp", "dq", "qi")
_PRIVATE_MEMBERS = frozenset({*_PRIVATE_NAMES, "oth", "k"})
# RFC 7518 §6 and RFC 8037 §2: the public members; RFC 7638 §3.2 hashes them, sorted.
_PUBLIC_MEMBERS = {
    "RSA": ("kty", "n", "e"),
    "EC": ("kty", "crv", "x", "y"),
    "OKP": ("kty", "crv", "x"),
}
# PyJWT already implements the JWK <-> key conversions (RFC 7518 §6, RFC 8037 §2).
_JWK_LOADERS: dict[str, Callable[[JSONObject], Any]] = {
    "RSA": RSAAlgorithm.from_jwk,
    "EC": ECAlgorithm.from_jwk,
    "OKP": OKPAlgorithm.from_jwk,
}
_CURVES = {"RSA": None, "EC": "P-256", "OKP": "Ed25519"}


def identify_key_type(key: PublicKey | PrivateKey) -> KeyType:
    """Name the algorithm family of a key; raises `InvalidKey` for others (e.g. P-384)."""
    if isinstance(key, Ed25519PublicKey | Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "rsa"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) and isinstance(
        key.curve, ec.SECP256R1
    ):
        return "p256"
    raise InvalidKey(f"unsupported key: {type(key).__name__}")


def public_key_multibase(key: PublicKey) -> str:
    """Encode an Ed25519 or P-256 public key as a Multikey ``publicKeyMultibase`` value.

    See https://www.w3.org/TR/cid-1.0/#multikey. Raises `InvalidKey` for RSA keys.
    """
    if isinstance(key, Ed25519PublicKey):
        return encode_multikey(ED25519_PUBLIC, key.public_bytes_raw())
    if isinstance(key, ec.EllipticCurvePublicKey) and identify_key_type(key) == "p256":
        point = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        return encode_multikey(P256_PUBLIC, point)
    raise InvalidKey("only Ed25519 and P-256 public keys have a Multikey encoding")


def public_key_from_multibase(value: str) -> PublicKey:
    """Decode a Multikey ``publicKeyMultibase`` value (Ed25519 or compressed P-256).

    See https://www.w3.org/TR/cid-1.0/#multikey. Raises `InvalidKey` on a bad multibase
    string, another multicodec, or a wrong length.
    """
    header, raw = decode_multikey(value, what="publicKeyMultibase")
    if header == ED25519_PUBLIC:
        _require_length(raw, _ED25519_SIZE, "Ed25519 public key")
        return Ed25519PublicKey.from_public_bytes(raw)
    if header == P256_PUBLIC:
        _require_length(raw, _P256_COMPRESSED_SIZE, "compressed P-256 public key")
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError as exc:
            raise InvalidKey("publicKeyMultibase is not a point on P-256") from exc
    if header == P384_PUBLIC:
        _require_length(raw, _P384_COMPRESSED_SIZE, "compressed P-384 public key")
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), raw)
        except ValueError as exc:
            raise InvalidKey("publicKeyMultibase is not a point on P-384") from exc
    raise InvalidKey("publicKeyMultibase does not hold a public key")


def public_jwk(key: PublicKey) -> JSONObject:
    """Describe a public key as a JWK with only its public members (RFC 7518 §6, RFC 8037 §2).

    That is ``kty``, ``crv``, ``x`` (OKP); ``kty``, ``n``, ``e`` (RSA); or ``kty``, ``crv``,
    ``x``, ``y`` (EC).
    """
    return _export_jwk(key)


def public_key_from_jwk(jwk: Any) -> PublicKey:  # noqa: ANN401 - untrusted JSON is checked here
    """Load a public JWK: OKP/Ed25519, RSA of at least 2048 bits, or EC/P-256.

    Other members (``kid``, ``alg``, ``use``...) are ignored. See RFC 7517 §4, RFC 7518 §6 and
    RFC 8037 §2. Raises `InvalidKey` for symmetric (``oct``) keys, private members (``d``...),
    an unknown ``kty``/``crv``, malformed members, or an RSA modulus under 2048 bits.
    """
    if not isinstance(jwk, dict):
        raise InvalidKey("a JWK must be a JSON object")
    kty = jwk.get("kty")
    if kty not in _PUBLIC_MEMBERS:
        raise InvalidKey(f"unsupported JWK key type {kty!r} (only RSA, EC and OKP)")
    private = sorted(_PRIVATE_MEMBERS & jwk.keys())
    if private:
        raise InvalidKey(f"the JWK holds private key members {private}; only public keys allowed")
    if jwk.get("crv") != _CURVES[kty]:
        raise InvalidKey(f"unsupported curve {jwk.get('crv')!r} for kty {kty!r}")
    for member in _PUBLIC_MEMBERS[kty][1:]:
        if member != "crv" and member in jwk:  # PyJWT would skip non-base64url characters
            decode_base64url(_optional_str(jwk, member) or "", error=InvalidKey, what=member)
    try:
        key: PublicKey = _JWK_LOADERS[kty](jwk)
    except (PyJWTError, ValueError) as exc:
        raise InvalidKey(f"unusable {kty} JWK: {exc}") from exc
    _require_supported(key)
    return key


def jwk_thumbprint(jwk: JSONObject) -> str:
    """Compute the SHA-256 JWK thumbprint, base64url-encoded (RFC 7638 §3).

    Raises `InvalidKey` when ``kty`` is not RSA, EC or OKP, or a required member is missing.
    """
    members = _PUBLIC_MEMBERS.get(str(jwk.get("kty")))
    if members is None:
        raise InvalidKey(f"no thumbprint for JWK key type {jwk.get('kty')!r}")
    missing = [name for name in members if not isinstance(jwk.get(name), str)]
    if missing:
        raise InvalidKey(f"the JWK lacks required members {missing}")
    canonical = dumps({name: jwk[name] for name in sorted(members)})
    return encode_base64url(hashlib.sha256(canonical).digest())


@dataclass(frozen=True)
class KeyPair:
    """An Ed25519, RSA (>= 2048 bits) or P-256 key with its method ``id`` and ``controller``."""

    id: str
    controller: str
    private_key: PrivateKey

    def __post_init__(self) -> None:
        _require_supported(self.public_key)

    @property
    def type(self) -> KeyType:
        """The key's algorithm family."""
        return identify_key_type(self.private_key)

    @property
    def public_key(self) -> PublicKey:
        """The public half of the key pair."""
        return self.private_key.public_key()

    def verification_method(self) -> JSONObject:
        """Describe the public key as a verification method.

        ``Multikey`` for Ed25519 (https://www.w3.org/TR/vc-di-eddsa/#multikey), ``JsonWebKey``
        for RSA and P-256 (https://www.w3.org/TR/cid-1.0/#jsonwebkey).
        """
        method: JSONObject = {"id": self.id, "type": "Multikey", "controller": self.controller}
        if self.type == "ed25519":
            method["publicKeyMultibase"] = public_key_multibase(self.public_key)
        else:
            method["type"] = "JsonWebKey"
            method["publicKeyJwk"] = public_jwk(self.public_key)
        return method

    def to_key_file(self) -> JSONObject:
        """Serialise the key pair, secret included, with its controller document.

        Returns:
            ``id``, ``controller``, ``type``, ``publicKeyMultibase`` (Ed25519, P-256),
            ``publicKeyJwk`` (RSA, P-256), ``secretKeyMultibase`` (Ed25519: ``0x8026`` + seed)
            or ``privateKeyJwk`` (RSA, P-256), and ``controllerDocument``.
        """
        method = self.verification_method()
        data: JSONObject = {"id": self.id, "controller": self.controller, "type": method["type"]}
        if self.type != "rsa":
            data["publicKeyMultibase"] = public_key_multibase(self.public_key)
        if isinstance(self.private_key, Ed25519PrivateKey):
            seed = self.private_key.private_bytes_raw()
            data["secretKeyMultibase"] = encode_multikey(ED25519_SECRET, seed)
        else:
            data["publicKeyJwk"] = public_jwk(self.public_key)
            data["privateKeyJwk"] = _export_jwk(self.private_key, is_private=True)
        data["controllerDocument"] = controller_document(self.controller, [method])
        return data

    @classmethod
    def from_key_file(cls, data: JSONObject) -> "KeyPair":
        """Load a key pair from `to_key_file` output or a published test-vector form.

        Secrets: ``secretKeyMultibase`` / ``privateKeyMultibase`` (``0x8026`` + 32-byte seed,
        or legacy seed + public key), ``privateKeyJwk``, ``privateKeyHex`` (Ed25519 seed, or
        seed + public key). Any ``publicKeyMultibase``, ``publicKeyJwk`` or ``publicKeyHex``
        must match the secret. A missing ``id`` or ``controller`` defaults as in
        `generate_key_pair`.

        Raises:
            InvalidKey: When no secret is usable or a given public key does not match it.
        """
        if not isinstance(data, dict):
            raise InvalidKey("a key file must be a JSON object")
        private_key = _read_secret(data)
        _require_matching_public_keys(private_key.public_key(), data)
        vm_id, controller = _assign_ids(
            private_key.public_key(), _optional_str(data, "controller"), _optional_str(data, "id")
        )
        return cls(id=vm_id, controller=controller, private_key=private_key)


def generate_key_pair(
    type: KeyType = "ed25519",
    *,
    controller: str | None = None,
    vm_id: str | None = None,
) -> KeyPair:
    """Generate a new key pair (RSA: 2048 bits, exponent 65537).

    Args:
        type: ``"ed25519"``, ``"rsa"`` or ``"p256"``.
        controller: By default the key's own ``did:key`` (Ed25519, P-256) or ``did:jwk``
            (RSA), or ``vm_id`` without its fragment.
        vm_id: By default ``did:key:<fp>#<fp>`` or ``did:jwk:<jwk>#0``; for a given controller,
            ``controller#<publicKeyMultibase>`` (Ed25519) or ``controller#key-<RFC 7638
            thumbprint>`` (RSA, P-256).

    Raises:
        InvalidKey: For an unknown key type.
    """
    private_key: PrivateKey
    if type == "ed25519":
        private_key = Ed25519PrivateKey.generate()
    elif type == "p256":
        private_key = ec.generate_private_key(ec.SECP256R1())
    elif type == "rsa":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_RSA_BITS)
    else:
        raise InvalidKey(f"unsupported key type {type!r}")
    vm, owner = _assign_ids(private_key.public_key(), controller, vm_id)
    return KeyPair(id=vm, controller=owner, private_key=private_key)


def _assign_ids(key: PublicKey, controller: str | None, vm_id: str | None) -> tuple[str, str]:
    if controller is None and vm_id is not None:
        controller = vm_id.split("#", 1)[0]
    if controller is None:
        if isinstance(key, rsa.RSAPublicKey):
            did = did_jwk(public_jwk(key))
            return f"{did}#0", did
        did = did_key(key)
        return f"{did}#{did.removeprefix('did:key:')}", did
    if vm_id is None:
        if isinstance(key, Ed25519PublicKey):
            vm_id = f"{controller}#{public_key_multibase(key)}"
        else:
            vm_id = f"{controller}#key-{jwk_thumbprint(public_jwk(key))}"
    return vm_id, controller


def _read_secret(data: JSONObject) -> PrivateKey:
    if "privateKeyJwk" in data:
        return _private_key_from_jwk(data["privateKeyJwk"])
    for member in ("secretKeyMultibase", "privateKeyMultibase"):
        value = _optional_str(data, member)
        if value is not None:
            header, raw = decode_multikey(value, what=member)
            if header != ED25519_SECRET:
                raise InvalidKey(f"{member} is not an Ed25519 secret key (multicodec 0x8026)")
            return _ed25519_from_secret(raw, member)
    secret = _decode_hex(data, "privateKeyHex")
    if secret is not None:
        return _ed25519_from_secret(secret, "privateKeyHex")
    raise InvalidKey("the key file holds no secret key")


def _ed25519_from_secret(raw: bytes, what: str) -> Ed25519PrivateKey:
    # Legacy tools (Ed25519VerificationKey2018/2020, 1EdTech's vector) store seed || public key.
    if len(raw) not in (_ED25519_SIZE, 2 * _ED25519_SIZE):
        raise InvalidKey(f"{what} must hold a 32-byte seed (or seed + public key), not {len(raw)}")
    key = Ed25519PrivateKey.from_private_bytes(raw[:_ED25519_SIZE])
    if len(raw) > _ED25519_SIZE and raw[_ED25519_SIZE:] != key.public_key().public_bytes_raw():
        raise InvalidKey(f"the public half of {what} does not match its seed")
    return key


def _require_matching_public_keys(key: PublicKey, data: JSONObject) -> None:
    loaders = {"publicKeyMultibase": public_key_from_multibase, "publicKeyJwk": public_key_from_jwk}
    for member, value in data.items():
        given: PublicKey
        if member in loaders:
            given = loaders[member](value)
        elif member == "publicKeyHex":
            raw = _decode_hex(data, member) or b""
            _require_length(raw, _ED25519_SIZE, member)
            given = Ed25519PublicKey.from_public_bytes(raw)
        else:
            continue
        if _spki(given) != _spki(key):
            raise InvalidKey(f"{member} does not match the secret key")


def _export_jwk(key: PublicKey | PrivateKey, *, is_private: bool = False) -> JSONObject:
    exported: JSONObject
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        exported = RSAAlgorithm.to_jwk(key, as_dict=True)
    elif isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        identify_key_type(key)  # P-256 only
        exported = ECAlgorithm.to_jwk(key, as_dict=True)
    else:
        exported = OKPAlgorithm.to_jwk(key, as_dict=True)
    names = _PUBLIC_MEMBERS[exported["kty"]] + (_PRIVATE_NAMES if is_private else ())
    return {name: exported[name] for name in names if name in exported}


def _private_key_from_jwk(jwk: Any) -> PrivateKey:  # noqa: ANN401 - untrusted JSON
    if not isinstance(jwk, dict) or not isinstance(jwk.get("d"), str):
        raise InvalidKey("privateKeyJwk must be a JWK object with a 'd' member")
    expected = public_key_from_jwk({k: v for k, v in jwk.items() if k not in _PRIVATE_MEMBERS})
    try:
        key = _JWK_LOADERS[jwk["kty"]](jwk)
    except (PyJWTError, ValueError) as exc:
        raise InvalidKey(f"unusable privateKeyJwk: {exc}") from exc
    if not isinstance(key, PrivateKey) or _spki(key.public_key()) != _spki(expected):
        raise InvalidKey("the private members of privateKeyJwk do not match its public members")
    return key


def _require_supported(key: PublicKey) -> None:
    identify_key_type(key)
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise InvalidKey(f"RSA keys must have at least {MIN_RSA_BITS} bits, not {key.key_size}")


def _require_length(raw: bytes, size: int, what: str) -> None:
    if len(raw) != size:
        raise InvalidKey(f"{what} must be {size} bytes, not {len(raw)}")


def _spki(key: PublicKey) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _optional_str(data: JSONObject, member: str) -> str | None:
    value = data.get(member)
    if value is not None and not isinstance(value, str):
        raise InvalidKey(f"{member} must be a string")
    return value


def _decode_hex(data: JSONObject, member: str) -> bytes | None:
    # 1EdTech's key-pair vector carries raw Ed25519 key bytes as hex.
    value = _optional_str(data, member)
    try:
        return None if value is None else bytes.fromhex(value)
    except ValueError as exc:
        raise InvalidKey(f"{member} is not hexadecimal") from exc


# The two DID methods a key names by itself (`dids` resolves them; keys use them as the default
# controller of a key pair made without one).
_DID_KEY = "did:key:"
_DID_JWK = "did:jwk:"


def did_key(public_key: PublicKey) -> str:
    """Derive the did:key identifier of an Ed25519 or P-256 public key.

    Raises:
        InvalidKey: For RSA keys.

    See https://w3c-ccg.github.io/did-method-key/#format.
    """
    return _DID_KEY + public_key_multibase(public_key)


def did_jwk(jwk: JSONObject) -> str:
    """Derive a did:jwk identifier from a public JWK (serialised compactly as given).

    Raises:
        InvalidKey: When the JWK is not a usable public key (private members are refused).

    See https://github.com/quartzjer/did-jwk/blob/main/spec.md#create.
    """
    public_key_from_jwk(jwk)
    return _DID_JWK + encode_base64url(dumps(jwk))
