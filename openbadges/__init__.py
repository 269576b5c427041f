"""Open Badges 3.0: models, JSON-LD, keys, proofs, status lists, baking and verification.

A standalone library (it knows nothing of the Insigne service). Nothing is fetched: JSON-LD
contexts are bundled, and documents such as controller documents and status lists come from a
`DocumentResolver` the caller provides.

    >>> key = generate_key_pair()
    >>> signed = sign_credential(credential, key)
    >>> report = await verify(signed, resolver=StaticResolver(), now=datetime.now(UTC))
"""

from openbadges.baking import bake, extract
from openbadges.canonical import Canonicalized, canonicalize
from openbadges.contexts import ContextLoader, bundled_contexts
from openbadges.dids import (
    controller_document,
    did_key,
    did_web_to_url,
    resolve_did_key,
    url_to_did_web,
)
from openbadges.errors import (
    BakingError,
    ContextNotFound,
    InvalidDocument,
    InvalidKey,
    KeyResolutionError,
    OpenBadgesError,
    PoisonedDataset,
    ProofError,
    StatusListError,
    UnsupportedCryptosuite,
)
from openbadges.identity import hash_identity, matches_identity
from openbadges.keys import KeyPair, KeyType, generate_key_pair, public_jwk
from openbadges.proofs.jwt import sign_jwt, verify_jwt
from openbadges.resolver import (
    DocumentResolver,
    StaticResolver,
    VerificationMethod,
    resolve_verification_method,
)
from openbadges.schema import SchemaValidator
from openbadges.signing import sign_credential
from openbadges.status import StatusList, read_status, status_entry, status_list_credential
from openbadges.verification import CHECK_CODES, Check, VerificationResult, verify

__all__ = [
    "CHECK_CODES",
    "BakingError",
    "Canonicalized",
    "Check",
    "ContextLoader",
    "ContextNotFound",
    "DocumentResolver",
    "InvalidDocument",
    "InvalidKey",
    "KeyPair",
    "KeyResolutionError",
    "KeyType",
    "OpenBadgesError",
    "PoisonedDataset",
    "ProofError",
    "SchemaValidator",
    "StaticResolver",
    "StatusList",
    "StatusListError",
    "UnsupportedCryptosuite",
    "VerificationMethod",
    "VerificationResult",
    "bake",
    "bundled_contexts",
    "canonicalize",
    "controller_document",
    "did_key",
    "did_web_to_url",
    "extract",
    "generate_key_pair",
    "hash_identity",
    "matches_identity",
    "public_jwk",
    "read_status",
    "resolve_did_key",
    "resolve_verification_method",
    "sign_credential",
    "sign_jwt",
    "status_entry",
    "status_list_credential",
    "url_to_did_web",
    "verify",
    "verify_jwt",
]
