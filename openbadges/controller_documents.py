"""Controller documents (CID 1.0): the document that publishes an owner's verification methods.

It builds on no key code, so `keys` (a key file's document) and `dids` (DID documents) both
use it.
"""

from collections.abc import Sequence

from openbadges.errors import InvalidDocument
from openbadges.jsontypes import JSONObject

__all__ = ["DID_V1", "JWK_V1", "MULTIKEY_V1", "controller_document"]

DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
JWK_V1 = "https://w3id.org/security/jwk/v1"


def controller_document(controller: str, verification_methods: Sequence[JSONObject]) -> JSONObject:
    """Build a controller (or DID) document publishing the given verification methods.

    Args:
        controller: The document ``id``: an https URL or a DID.
        verification_methods: Methods whose ``controller`` is ``controller``.

    Returns:
        A document with contexts DID v1 and Multikey v1 (plus JWK v1 when a ``JsonWebKey`` is
        present), ``verificationMethod``, and ``assertionMethod`` and ``authentication`` listing
        every method id.

    Raises:
        InvalidDocument: When a method lacks an id or names another controller.

    See https://www.w3.org/TR/cid-1.0/#controlled-identifier-documents.
    """
    ids: list[str] = []
    for method in verification_methods:
        if not isinstance(method.get("id"), str) or method.get("controller") != controller:
            raise InvalidDocument(f"verification method {method.get('id')!r} is not {controller}'s")
        ids.append(method["id"])
    contexts = [DID_V1, MULTIKEY_V1]
    if any(method.get("type") == "JsonWebKey" for method in verification_methods):
        contexts.append(JWK_V1)
    return {
        "@context": contexts,
        "id": controller,
        "verificationMethod": [dict(method) for method in verification_methods],
        "assertionMethod": list(ids),
        "authentication": list(ids),
    }
