"""Finding the public key behind a verification method id.

The library never fetches: a `DocumentResolver` supplied by the caller returns documents by
id, and did:key / did:jwk identifiers are resolved locally by `StaticResolver`.
"""

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from openbadges.dids import resolve_did_jwk, resolve_did_key
from openbadges.errors import DocumentUnavailable, InvalidDocument, InvalidKey, KeyResolutionError
from openbadges.jsontypes import JSONObject
from openbadges.keys import PublicKey, public_key_from_jwk, public_key_from_multibase
from openbadges.multibase import BASE58BTC, decode_multibase

__all__ = [
    "RELATIONSHIPS",
    "DocumentResolver",
    "StaticResolver",
    "VerificationMethod",
    "resolve_verification_method",
]

RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)
"""Verification relationships of https://www.w3.org/TR/cid-1.0/#verification-relationships."""

_MULTIBASE_TYPES = ("Multikey", "Ed25519VerificationKey2020")
_JWK_TYPES = ("JsonWebKey", "JsonWebKey2020")
_ED25519_2018 = "Ed25519VerificationKey2018"
_KEY_MEMBERS = ("publicKeyMultibase", "publicKeyJwk", "publicKeyBase58")


class DocumentResolver(Protocol):
    """Returns documents by id: DID documents, controller documents, status lists..."""

    async def resolve(self, url: str) -> JSONObject | str:
        """Return the document whose id is ``url``: JSON, or the text of a compact VC-JWT.

        A status list credential may be published as a VC-JWT (``application/vc+jwt``); it
        is then returned as the token's text. Other documents are JSON objects.

        Raises:
            KeyResolutionError: When no such document is available.
        """
        ...


class StaticResolver:
    """A `DocumentResolver` over a fixed mapping, with did:key and did:jwk built in.

    did:key and did:jwk identifiers are always derived locally and never looked up in the
    mapping, so a mapping cannot substitute another key for them.
    """

    def __init__(self, documents: Mapping[str, JSONObject | str] | None = None) -> None:
        """Keep a copy of ``documents``, a mapping of document id to document."""
        self._documents = copy.deepcopy(dict(documents or {}))

    async def resolve(self, url: str) -> JSONObject | str:
        """Return a copy of the document with id ``url`` (DID URL fragments are ignored).

        Raises:
            KeyResolutionError: For a malformed did:key / did:jwk.
            DocumentUnavailable: For an id the mapping does not hold.
        """
        for prefix, build in (("did:key:", resolve_did_key), ("did:jwk:", resolve_did_jwk)):
            if url.startswith(prefix):
                try:
                    return build(url)
                except InvalidDocument as exc:
                    raise KeyResolutionError(str(exc)) from exc
        try:
            return copy.deepcopy(self._documents[url])
        except KeyError:
            raise DocumentUnavailable(f"no document is available for {url}") from None


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved verification method.

    Attributes:
        id: The absolute verification method id.
        type: Its ``type`` (Multikey, JsonWebKey, Ed25519VerificationKey2020...).
        controller: The id of the controller document that publishes it.
        public_key: The key to verify with.
        relationships: The controller document relationships listing it, e.g.
            ``{"assertionMethod"}``; empty when it is only in ``verificationMethod``.
    """

    id: str
    type: str
    controller: str
    public_key: PublicKey
    relationships: frozenset[str]


async def resolve_verification_method(vm_id: str, resolver: DocumentResolver) -> VerificationMethod:
    """Dereference a verification method id and check that its controller publishes it.

    The document at ``vm_id`` without its fragment is either the controller document
    that contains the method (ids may be relative ``#fragment`` references, and methods may be
    embedded in relationships) or the method itself, whose controller document is then
    resolved to learn its relationships. A bare ``did:key:z...`` stands for its only method
    ``did:key:z...#z...``.

    Args:
        vm_id: The verification method id, e.g. a proof's ``verificationMethod`` or a JWT kid.
        resolver: Where documents come from.

    Returns:
        The method, its key, and the relationships its controller document grants it.

    Raises:
        KeyResolutionError: When a document is missing or has another id, the method is not
            found or not listed by its controller, its ``controller`` is not the controller
            document's id, or its type or key material is unsupported.

    See https://www.w3.org/TR/cid-1.0/#retrieve-verification-method.
    """
    if vm_id.startswith("did:key:") and "#" not in vm_id:
        vm_id = f"{vm_id}#{vm_id.removeprefix('did:key:')}"
    method, document = await _find_method_and_controller(vm_id, resolver)
    if method.get("controller") != document["id"]:
        raise KeyResolutionError(
            f"verification method {vm_id} names controller {method.get('controller')!r}, "
            f"but it is published by {document['id']}"
        )
    return VerificationMethod(
        id=vm_id,
        type=str(method.get("type")),
        controller=document["id"],
        public_key=_read_public_key(method, vm_id),
        relationships=_relationships_of(vm_id, document),
    )


async def _find_method_and_controller(
    vm_id: str, resolver: DocumentResolver
) -> tuple[JSONObject, JSONObject]:
    document = await _resolve_document(vm_id.split("#", 1)[0], resolver)
    if document["id"] != vm_id or not any(member in document for member in _KEY_MEMBERS):
        return _find_method(document, vm_id), document
    # The URL names the method itself; its controller document says what it may be used for.
    controller = document.get("controller")
    if not isinstance(controller, str):
        raise KeyResolutionError(f"verification method {vm_id} names no controller")
    controller_document = await _resolve_document(controller, resolver)
    base = controller_document["id"]
    if not any(_absolute(entry, base) == vm_id for entry in _references(controller_document)):
        raise KeyResolutionError(f"{controller} does not list verification method {vm_id}")
    return document, controller_document


async def _resolve_document(url: str, resolver: DocumentResolver) -> JSONObject:
    document = await resolver.resolve(url)
    if not isinstance(document, dict) or document.get("id") != url:
        found = document.get("id") if isinstance(document, dict) else None
        raise KeyResolutionError(f"the document resolved for {url} has id {found!r}")
    return document


def _find_method(document: JSONObject, vm_id: str) -> JSONObject:
    for entry in _references(document):
        if isinstance(entry, dict) and _absolute(entry, document["id"]) == vm_id:
            return entry
    raise KeyResolutionError(f"{document['id']} has no verification method {vm_id}")


def _references(document: JSONObject) -> Iterator[Any]:
    # Methods live in verificationMethod or embedded in relationships (e.g. DCC's legacy DID).
    for member in ("verificationMethod", *RELATIONSHIPS):
        value = document.get(member, [])
        yield from value if isinstance(value, list) else [value]


def _absolute(entry: Any, base: str) -> str | None:  # noqa: ANN401 - JSON
    reference = entry.get("id") if isinstance(entry, dict) else entry
    if not isinstance(reference, str):
        return None
    # CID 1.0 §2.2: a relative reference is resolved against the document id.
    return base.split("#", 1)[0] + reference if reference.startswith("#") else reference


def _relationships_of(vm_id: str, document: JSONObject) -> frozenset[str]:
    granted = set()
    for relationship in RELATIONSHIPS:
        value = document.get(relationship, [])
        entries = value if isinstance(value, list) else [value]
        if any(_absolute(entry, document["id"]) == vm_id for entry in entries):
            granted.add(relationship)
    return frozenset(granted)


def _read_public_key(method: JSONObject, vm_id: str) -> PublicKey:
    vm_type = method.get("type")
    try:
        if vm_type in _MULTIBASE_TYPES:
            key = public_key_from_multibase(str(method.get("publicKeyMultibase", "")))
            if vm_type != "Multikey" and not isinstance(key, Ed25519PublicKey):
                raise InvalidKey(f"{vm_type} must hold an Ed25519 key")
            return key
        if vm_type == _ED25519_2018:
            value = method.get("publicKeyBase58")
            if not isinstance(value, str):
                raise InvalidKey("publicKeyBase58 is missing")
            raw = decode_multibase(BASE58BTC + value, error=InvalidKey, what="publicKeyBase58")
            return Ed25519PublicKey.from_public_bytes(raw)
        if vm_type in _JWK_TYPES:
            return public_key_from_jwk(method.get("publicKeyJwk"))
    except (InvalidKey, ValueError) as exc:
        raise KeyResolutionError(
            f"verification method {vm_id} has unusable key material: {exc}"
        ) from exc
    raise KeyResolutionError(f"verification method {vm_id} has unsupported type {vm_type!r}")
