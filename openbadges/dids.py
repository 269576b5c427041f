"""DID methods resolved locally (did:key, did:jwk), did:web URLs, and controller documents.

Nothing here fetches: did:key and did:jwk documents are derived from the identifier itself,
and did:web only maps a DID to the URL a caller may fetch.
"""

import re
from urllib.parse import unquote, urlsplit

import msgspec

from openbadges.controller_documents import DID_V1, JWK_V1, MULTIKEY_V1, controller_document
from openbadges.errors import InvalidDocument, InvalidKey
from openbadges.jsontypes import JSONObject, loads
from openbadges.keys import did_jwk, did_key, public_key_from_jwk, public_key_from_multibase
from openbadges.multibase import decode_base64url

__all__ = [
    "DID_V1",
    "JWK_V1",
    "JWS_2020_V1",
    "MULTIKEY_V1",
    "controller_document",
    "did_jwk",
    "did_key",
    "did_web_to_url",
    "resolve_did_jwk",
    "resolve_did_key",
    "url_to_did_web",
]

JWS_2020_V1 = "https://w3id.org/security/suites/jws-2020/v1"

_DID_KEY = "did:key:"
_DID_JWK = "did:jwk:"
_DID_WEB = "did:web:"
_SIGNING_RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
)
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9._~%!$&'()*+,;=@-]+")


def resolve_did_key(did_or_vm: str) -> JSONObject:
    """Build the DID document of a did:key (a DID URL's fragment is ignored).

    Args:
        did_or_vm: ``did:key:z...`` or a DID URL such as ``did:key:z...#z...``.

    Returns:
        The document with one Multikey verification method ``did#fingerprint`` listed under
        ``authentication``, ``assertionMethod``, ``capabilityDelegation`` and
        ``capabilityInvocation``.

    Raises:
        InvalidDocument: When the identifier is not a did:key with a base58btc Ed25519 or
            P-256 public key of the right length.

    See https://w3c-ccg.github.io/did-method-key/#document-creation-algorithm.
    """
    did = _strip_fragment(did_or_vm)
    if not did.startswith(_DID_KEY):
        raise InvalidDocument(f"not a did:key identifier: {did!r}")
    fingerprint = did.removeprefix(_DID_KEY)
    try:
        public_key_from_multibase(fingerprint)
    except InvalidKey as exc:
        raise InvalidDocument(f"malformed did:key {did!r}: {exc}") from exc
    vm_id = f"{did}#{fingerprint}"
    method = {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": fingerprint}
    document: JSONObject = {"@context": [DID_V1, MULTIKEY_V1], "id": did}
    document["verificationMethod"] = [method]
    for relationship in _SIGNING_RELATIONSHIPS:
        document[relationship] = [vm_id]
    return document


def resolve_did_jwk(did_or_vm: str) -> JSONObject:
    """Build the DID document of a did:jwk (a DID URL's fragment is ignored).

    Args:
        did_or_vm: ``did:jwk:<base64url JWK>``, optionally followed by ``#0``.

    Returns:
        The document with one ``JsonWebKey2020`` method ``did#0`` holding the decoded JWK; per
        the JWK's ``use``: ``sig`` omits ``keyAgreement``, ``enc`` lists only ``keyAgreement``.

    Raises:
        InvalidDocument: When the value is not base64url JSON of a usable public JWK.

    See https://github.com/quartzjer/did-jwk/blob/main/spec.md#read.
    """
    did = _strip_fragment(did_or_vm)
    if not did.startswith(_DID_JWK):
        raise InvalidDocument(f"not a did:jwk identifier: {did!r}")
    raw = decode_base64url(did.removeprefix(_DID_JWK), what="did:jwk value")
    try:
        jwk = loads(raw)
        public_key_from_jwk(jwk)
    except (msgspec.DecodeError, InvalidKey) as exc:
        raise InvalidDocument(f"malformed did:jwk: {exc}") from exc
    vm_id = f"{did}#0"
    method = {"id": vm_id, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
    document: JSONObject = {"@context": [DID_V1, JWS_2020_V1], "id": did}
    document["verificationMethod"] = [method]
    use = jwk.get("use")
    relationships = () if use == "enc" else _SIGNING_RELATIONSHIPS
    for relationship in relationships:
        document[relationship] = [vm_id]
    if use != "sig":
        document["keyAgreement"] = [vm_id]
    return document


def did_web_to_url(did: str, *, scheme: str = "https") -> str:
    """Map a did:web DID to the URL of its DID document.

    ``did:web:example.com`` gives ``https://example.com/.well-known/did.json``;
    ``did:web:example.com:issuers:abc`` gives ``https://example.com/issuers/abc/did.json``;
    ``%3A`` in the host part is a port separator. A DID URL's fragment is ignored.

    Args:
        did: The did:web DID.
        scheme: ``https`` (the method's rule) or ``http`` for local development.

    Returns:
        The document URL.

    Raises:
        InvalidDocument: When the DID is not a well-formed did:web.

    See https://w3c-ccg.github.io/did-method-web/#read-resolve.
    """
    did = _strip_fragment(did)
    if not did.startswith(_DID_WEB) or "?" in did or "/" in did:
        raise InvalidDocument(f"not a did:web DID: {did!r}")
    host, *segments = did.removeprefix(_DID_WEB).split(":")
    host = unquote(host)
    if not _HOST.fullmatch(host) or not all(map(_is_path_segment, segments)):
        raise InvalidDocument(f"malformed did:web DID: {did!r}")
    path = "/".join(segments) if segments else ".well-known"
    return f"{scheme}://{host}/{path}/did.json"


def url_to_did_web(url: str) -> str:
    """Map the base URL of a DID document to its did:web DID (the inverse of `did_web_to_url`).

    ``http://localhost:8000/issuers/abc`` gives ``did:web:localhost%3A8000:issuers:abc``; a
    trailing ``/did.json`` or ``/.well-known/did.json`` is dropped.

    Raises:
        InvalidDocument: When the URL is not a plain http(s) URL with a host name.

    See https://w3c-ccg.github.io/did-method-web/#create-register.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidDocument(f"bad port in {url!r}") from exc
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise InvalidDocument(f"a did:web URL must be a plain http(s) URL, not {url!r}")
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1] == "did.json":
        segments.pop()
        if segments == [".well-known"]:
            segments = []
    method_id = [host + (f"%3A{port}" if port else ""), *segments]
    if not _HOST.fullmatch(host) or not all(map(_is_path_segment, segments)):
        raise InvalidDocument(f"{url!r} has no did:web form")
    return _DID_WEB + ":".join(method_id)


def _is_path_segment(segment: str) -> bool:
    # "." and ".." would climb out of the DID's own path once the URL is normalised.
    return bool(_PATH_SEGMENT.fullmatch(segment)) and segment not in (".", "..")


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]
