"""The JSON Web Token proof format of Open Badges 3.0 (VC-JWT).

See https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof. Validity dates are not checked here:
the verification pipeline does that with its injected clock.
"""

import copy
import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import jwt
import msgspec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.types import Options

from openbadges.errors import (
    BudgetExhausted,
    DocumentUnavailable,
    InvalidDocument,
    InvalidKey,
    KeyResolutionError,
    ProofError,
)
from openbadges.jsontypes import JSONObject, loads
from openbadges.keys import (
    KeyPair,
    KeyType,
    PublicKey,
    identify_key_type,
    jwk_thumbprint,
    public_jwk,
    public_key_from_jwk,
)
from openbadges.multibase import decode_base64url
from openbadges.resolver import DocumentResolver, VerificationMethod, resolve_verification_method

__all__ = [
    "ALGORITHMS",
    "JwtVerification",
    "KeySource",
    "SignatureMemo",
    "decode_jwt_header",
    "decode_jwt_unverified",
    "sign_jwt",
    "verify_jwt",
]

ALGORITHMS: dict[KeyType, str] = {"rsa": "RS256", "p256": "ES256", "ed25519": "EdDSA"}
"""The JWS ``alg`` for each key type; no other algorithm (``none``, HMAC...) is accepted."""

KeySource = Literal["kid", "jwk"]
"""Where the verification key came from: a resolved ``kid``, or the token's own ``jwk`` header."""

_VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
# RFC 7519 §4.1: registered claims that sign_jwt adds and that are not credential members.
_FIRST_SECOND = -62135596800  # 0001-01-01T00:00:00Z
_LAST_SECOND = 253402300800  # 10000-01-01T00:00:00Z
_REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
# Signature only: validity dates belong to the pipeline; iss, jti and sub are compared with the
# credential below; aud concerns the holder, not the issuer's proof.
_SIGNATURE_ONLY: Options = {
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
}


@dataclass(frozen=True)
class JwtVerification:
    """A VC-JWT whose signature verified.

    Attributes:
        credential: The credential: the payload without JWT claims (VC 2.0), or the ``vc``
            claim (VC 1.1), completed from ``iss``/``jti``/``sub``/``nbf``/``exp``.
        header: The JOSE header.
        key_id: The absolute ``kid`` used, or None when the key came from the ``jwk`` header.
        verification_method: The resolved method; for an embedded ``jwk``, the issuer's
            verification method holding that key (the issuer is the key's did:jwk, or its
            controller document lists the key), or None when the issuer does not have it.
        key_source: ``"kid"`` or ``"jwk"``; an embedded key with no ``verification_method``
            is bound to nothing, and a verifier must not take it for the issuer's.
        unbound_because: for an embedded key bound to nothing, the issuer's document could
            not be had (`DocumentUnavailable`): whether the issuer has the key is unknown, not
            denied. None otherwise.
    """

    credential: JSONObject
    header: JSONObject
    key_id: str | None
    verification_method: VerificationMethod | None
    key_source: KeySource
    unbound_because: DocumentUnavailable | None = None


def sign_jwt(credential: JSONObject, key: KeyPair, *, kid: str | None = None) -> str:
    """Sign a credential as a compact JWS whose payload is the credential plus JWT claims.

    Args:
        credential: The credential (VC 2.0, or VC 1.1 with ``issuanceDate``).
        key: The issuer's key: RSA signs RS256, P-256 ES256, Ed25519 EdDSA.
        kid: The ``kid`` header; defaults to ``key.id``.

    Returns:
        The token; its header is exactly ``alg``, ``kid`` and ``typ: "JWT"``, and its payload
        adds ``iss``, ``jti``, ``sub``, ``nbf`` and ``exp`` when the credential has their source.

    Raises:
        InvalidDocument: When a validity date is not an ISO 8601 date-time with a time zone.

    See https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof (Create the JWT Payload).
    """
    payload = {**credential, **_claims_for(credential)}
    headers = {"kid": kid if kid is not None else key.id, "typ": "JWT"}
    return jwt.encode(payload, key.private_key, algorithm=ALGORITHMS[key.type], headers=headers)


def decode_jwt_header(token: str) -> JSONObject:
    """A compact JWS's JOSE header, unchecked; the payload is not decoded.

    Raises:
        InvalidDocument: When the first part is not a base64url JSON object.
    """
    return _decode_segment(token.split(".", 1)[0], "JOSE header")


def decode_jwt_unverified(token: str) -> tuple[JSONObject, JSONObject]:
    """Split a compact JWS into its JOSE header and payload without checking anything.

    Raises:
        InvalidDocument: When the token is not three base64url parts with JSON object header
            and payload.
    """
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:  # RFC 7515 §7.1: header.payload.signature
        raise InvalidDocument("a compact JWS has three dot-separated parts")
    return _decode_segment(parts[0], "JOSE header"), _decode_segment(parts[1], "JWT payload")


class SignatureMemo(Protocol):
    """Signatures found valid before, by a key saying what they cover (a `ProofMemo`)."""

    def holds(self, key: bytes) -> bool: ...

    def remember(self, key: bytes) -> None: ...


def _signature_key(token: str, public_key: PublicKey) -> bytes:
    """What a JWS's signature check depends on: the exact token and the key it is checked with.

    The header (its ``alg`` too) and the payload are in the token: the check is a pure
    function of these two, so a remembered outcome is never stale.
    """
    digest = hashlib.sha256(b"jws\0")
    digest.update(token.encode())
    digest.update(b"\0")
    digest.update(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
    return digest.digest()


async def verify_jwt(
    token: str,
    resolver: DocumentResolver,
    *,
    max_keys: int = 10,
    verified: SignatureMemo | None = None,
) -> JwtVerification:
    """Verify a VC-JWT's signature and its claims' agreement with the credential.

    The key comes from the ``kid`` header (a relative ``#fragment`` is resolved against
    ``iss``), or else from an embedded ``jwk`` header as 1EdTech's validator allows; such a key
    is bound to the issuer only when the issuer is its did:jwk or lists it. The
    ``alg`` must be RS256, ES256 or EdDSA and match the key type. ``iss``, ``jti`` and ``sub``
    must equal the issuer id, credential id and subject id when both sides are present.

    Args:
        token: The compact JWS.
        resolver: Resolves the ``kid`` (did:key and did:jwk are built in).
        max_keys: How many of the issuer's verification methods are tried to find the key
            a bare-JWK ``kid`` names; past it, `BudgetExhausted` (an unverifiable outcome).
        verified: JWS signatures already found valid, by exact token and key: the key is
            still resolved (and its algorithm matched) each time, the signature checked once.

    Raises:
        InvalidDocument: When the token or its ``vc`` claim is malformed.
        ProofError: For a disallowed or mismatched ``alg``, a bad signature, an unusable key,
            or a claim contradicting the credential (`KeyResolutionError` when ``kid`` fails).

    See https://www.imsglobal.org/spec/ob/v3p0/#jwt-verify.
    """
    header, payload = decode_jwt_unverified(token)
    alg = header.get("alg")
    if alg not in ALGORITHMS.values():
        raise ProofError(f"JWS algorithm {alg!r} is not allowed (only RS256, ES256, EdDSA)")
    key_id, method, public_key, unbound = await _find_key(header, payload, resolver, max_keys)
    if ALGORITHMS[identify_key_type(public_key)] != alg:
        raise ProofError(
            f"JWS algorithm {alg} does not match the {identify_key_type(public_key)} key"
        )
    memo_key = b"" if verified is None else _signature_key(token, public_key)
    if verified is None or not verified.holds(memo_key):
        try:
            jwt.decode(token, key=public_key, algorithms=[alg], options=_SIGNATURE_ONLY)
        except jwt.PyJWTError as exc:
            raise ProofError(f"the JWT signature is not valid: {exc}") from exc
        if verified is not None:
            verified.remember(memo_key)
    return JwtVerification(
        credential=_credential_from(payload),
        header=header,
        key_id=key_id,
        verification_method=method,
        key_source="kid" if key_id is not None else "jwk",
        unbound_because=unbound,
    )


async def _find_key(
    header: JSONObject, payload: JSONObject, resolver: DocumentResolver, max_keys: int
) -> tuple[str | None, VerificationMethod | None, PublicKey, DocumentUnavailable | None]:
    kid, embedded = header.get("kid"), header.get("jwk")
    if kid is None:
        if embedded is None:
            raise ProofError("the JOSE header has neither kid nor jwk")
        key = _embedded_key(embedded)
        try:
            # Bound only when the issuer is the key's did:jwk or lists the key (OB 3.0 §8.2.4).
            return None, await _issuer_method_with(key, payload, resolver, max_keys), key, None
        except DocumentUnavailable as error:  # unknown, not denied: never "invalid" for it
            return None, None, key, error
        except (KeyResolutionError, InvalidKey):
            return None, None, key, None
    if not isinstance(kid, str) or not kid:
        raise ProofError("the kid header must be a non-empty string")
    if kid.startswith("#") and isinstance(payload.get("iss"), str):
        kid = payload["iss"] + kid
    if bare := await _bare_jwk(kid, resolver):
        key = _embedded_key(bare)
        return kid, await _issuer_method_with(key, payload, resolver, max_keys), key, None
    method = await resolve_verification_method(kid, resolver)
    if embedded is not None:
        thumbprint = jwk_thumbprint(public_jwk(_embedded_key(embedded)))
        if thumbprint != jwk_thumbprint(public_jwk(method.public_key)):
            raise ProofError("the jwk header and the kid header name different keys")
    return kid, method, method.public_key, None


async def _bare_jwk(kid: str, resolver: DocumentResolver) -> JSONObject | None:
    """OB 3.0 §8.2.4.1: a ``kid`` may be a URL that dereferences to one bare JWK."""
    if kid.startswith("did:") or "#" in kid:
        return None
    try:
        document = await resolver.resolve(kid)
    except KeyResolutionError:
        return None
    if not isinstance(document, dict):
        return None
    return document if "kty" in document and "publicKeyJwk" not in document else None


async def _issuer_method_with(
    key: PublicKey, payload: JSONObject, resolver: DocumentResolver, max_keys: int
) -> VerificationMethod:
    """Bind a bare JWK to the issuer: it must be one of the issuer's verification methods."""
    credential = payload.get("vc", payload)
    issuer = payload.get("iss") or _issuer_id(credential if isinstance(credential, dict) else {})
    if not isinstance(issuer, str):
        raise KeyResolutionError("the JWT names no issuer to bind its key to")
    document = await resolver.resolve(issuer)
    if not isinstance(document, dict):
        raise KeyResolutionError(f"{issuer} does not resolve to a controller document")
    wanted = jwk_thumbprint(public_jwk(key))
    entries = document.get("verificationMethod", [])
    entries = entries if isinstance(entries, list) else []
    for entry in entries[:max_keys]:
        method_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(method_id, str):
            method_id = issuer + method_id if method_id.startswith("#") else method_id
            method = await resolve_verification_method(method_id, resolver)
            if jwk_thumbprint(public_jwk(method.public_key)) == wanted:
                return method
    if len(entries) > max_keys:
        raise BudgetExhausted(
            f"{issuer} lists {len(entries)} keys; the first {max_keys} were tried", "keys"
        )
    raise KeyResolutionError(f"the kid's key is not a verification method of {issuer}")


def _embedded_key(jwk: Any) -> PublicKey:  # noqa: ANN401 - JSON
    try:
        return public_key_from_jwk(jwk)
    except InvalidKey as exc:
        raise ProofError(f"the jwk header is not a usable public key: {exc}") from exc


def _credential_from(payload: JSONObject) -> JSONObject:
    # VC 1.1 §6.3.1 (https://www.w3.org/TR/vc-data-model-1.1/#jwt-decoding) wraps the
    # credential in "vc"; OB 3.0 §8.2 puts its members at the top level of the payload.
    if "vc" in payload:
        if not isinstance(payload["vc"], dict):
            raise InvalidDocument("the vc claim must be a JSON object")
        credential = copy.deepcopy(payload["vc"])
    else:
        credential = {k: v for k, v in payload.items() if k not in _REGISTERED_CLAIMS}
    _require_agreement(payload, credential)
    _complete_from_claims(payload, credential)
    return credential


def _require_agreement(payload: JSONObject, credential: JSONObject) -> None:
    expected = {"iss": _issuer_id(credential), "jti": credential.get("id")}
    expected["sub"] = _subject_id(credential)
    for claim, value in expected.items():
        if claim in payload and value is not None and payload[claim] != value:
            raise ProofError(f"the {claim} claim {payload[claim]!r} does not match {value!r}")


def _complete_from_claims(payload: JSONObject, credential: JSONObject) -> None:
    # VC 1.1 §6.3.1: the claims set the matching members; the checks above ruled out
    # contradictions, so only absent members and differently written dates change here.
    if isinstance(payload.get("iss"), str) and "issuer" not in credential:
        credential["issuer"] = payload["iss"]
    if isinstance(payload.get("jti"), str) and "id" not in credential:
        credential["id"] = payload["jti"]
    subject = credential.get("credentialSubject")
    if isinstance(payload.get("sub"), str) and isinstance(subject, dict) and "id" not in subject:
        subject["id"] = payload["sub"]
    for claim, member in zip(("nbf", "exp"), _date_members(credential), strict=True):
        numeric = payload.get(claim)
        if isinstance(numeric, int | float) and not isinstance(numeric, bool):
            seconds = _whole_seconds(numeric, claim)
            if not _is_same_instant(credential.get(member), seconds):
                when = datetime.fromtimestamp(seconds, UTC)
                credential[member] = when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _claims_for(credential: JSONObject) -> JSONObject:
    claims: JSONObject = {}
    issuer_id = _issuer_id(credential)
    if issuer_id is not None:
        claims["iss"] = issuer_id
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    subject_id = _subject_id(credential)
    if subject_id is not None:
        claims["sub"] = subject_id
    for claim, member in zip(("nbf", "exp"), _date_members(credential), strict=True):
        if member in credential:
            claims[claim] = _numeric_date(credential[member], member)
    return claims


def _date_members(credential: JSONObject) -> tuple[str, str]:
    contexts = credential.get("@context")
    is_v1 = _VC_V1_CONTEXT in contexts if isinstance(contexts, list) else contexts == _VC_V1_CONTEXT
    if is_v1 or ("issuanceDate" in credential and "validFrom" not in credential):
        return "issuanceDate", "expirationDate"
    return "validFrom", "validUntil"


def _numeric_date(value: Any, member: str) -> int:  # noqa: ANN401 - JSON
    # RFC 7519 §2 NumericDate: whole seconds since the epoch.
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidDocument(f"{member} is not an ISO 8601 date-time: {value!r}") from exc
    if moment.tzinfo is None:
        raise InvalidDocument(f"{member} has no time zone: {value!r}")
    return math.floor(moment.timestamp())


def _whole_seconds(numeric: float, claim: str) -> int:
    # Years 1 to 9999 only, so that the claim converts to an XML Schema dateTime.
    if not _FIRST_SECOND <= numeric < _LAST_SECOND:
        raise InvalidDocument(f"the {claim} claim is out of range: {numeric!r}")
    return math.floor(numeric)


def _is_same_instant(value: Any, seconds: int) -> bool:  # noqa: ANN401 - JSON
    try:
        return _numeric_date(value, "date") == seconds
    except InvalidDocument:
        return False


def _issuer_id(credential: JSONObject) -> str | None:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer_id if isinstance(issuer_id, str) else None


def _subject_id(credential: JSONObject) -> str | None:
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    return subject_id if isinstance(subject_id, str) else None


def _decode_segment(segment: str, what: str) -> JSONObject:
    try:
        value = loads(decode_base64url(segment, what=what))
    except msgspec.DecodeError as exc:
        raise InvalidDocument(f"the {what} is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidDocument(f"the {what} must be a JSON object")
    return value
