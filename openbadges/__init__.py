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
from openbadges.clr import build_clr, serialise_clr
from openbadges.contexts import ContextLoader, bundled_contexts
from openbadges.dids import (
    controller_document,
    did_key,
    did_web_to_url,
    resolve_did_jwk,
    resolve_did_key,
    url_to_did_web,
)
from openbadges.errors import (
    BakingError,
    ContextNotFound,
    DocumentUnavailable,
    InvalidDocument,
    InvalidKey,
    KeyResolutionError,
    OpenBadgesError,
    PoisonedDataset,
    ProofError,
    StatusListError,
    UnsupportedCryptosuite,
)
from openbadges.identity import hash_identity, matches_identity, normalise_email
from openbadges.jsontypes import JSONObject, copy_json, dumps, loads
from openbadges.keys import (
    KeyPair,
    KeyType,
    PrivateKey,
    PublicKey,
    generate_key_pair,
    public_jwk,
    public_key_from_jwk,
    public_key_from_multibase,
    public_key_multibase,
)
from openbadges.models import (
    OB_CONTEXT,
    Achievement,
    AchievementSubject,
    Alignment,
    CredentialSchema,
    CredentialStatus,
    Criteria,
    Evidence,
    IdentityObject,
    Image,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
    compute_digest_sri,
    format_datetime,
    to_document,
)
from openbadges.offload import FairThreads, LaneFull, off_the_loop_if_slow, work_lane
from openbadges.proofs.jwt import decode_jwt_header, sign_jwt, verify_jwt
from openbadges.resolver import (
    DocumentResolver,
    StaticResolver,
    VerificationMethod,
    resolve_verification_method,
)
from openbadges.schema import SchemaValidator
from openbadges.signing import sign_credential
from openbadges.status import (
    MIN_BITS,
    StatusList,
    StatusPurpose,
    read_status,
    status_entry,
    status_list_credential,
)
from openbadges.verification import (
    CHECK_CODES,
    Budget,
    Check,
    ProofMemo,
    VerificationResult,
    verify,
)
from openbadges.verification.causes import cause_of
from openbadges.verification.report import Verdict
from openbadges.verification.wording import Language, explain, headline

__all__ = [
    "CHECK_CODES",
    "MIN_BITS",
    "OB_CONTEXT",
    "Achievement",
    "AchievementSubject",
    "Alignment",
    "BakingError",
    "Budget",
    "Canonicalized",
    "Check",
    "ContextLoader",
    "ContextNotFound",
    "CredentialSchema",
    "CredentialStatus",
    "Criteria",
    "DocumentResolver",
    "DocumentUnavailable",
    "Evidence",
    "FairThreads",
    "IdentityObject",
    "Image",
    "InvalidDocument",
    "InvalidKey",
    "JSONObject",
    "KeyPair",
    "KeyResolutionError",
    "KeyType",
    "LaneFull",
    "Language",
    "OpenBadgeCredential",
    "OpenBadgesError",
    "PoisonedDataset",
    "PrivateKey",
    "Profile",
    "ProofError",
    "ProofMemo",
    "PublicKey",
    "Result",
    "ResultDescription",
    "SchemaValidator",
    "StaticResolver",
    "StatusList",
    "StatusListError",
    "StatusPurpose",
    "UnsupportedCryptosuite",
    "Verdict",
    "VerificationMethod",
    "VerificationResult",
    "bake",
    "build_clr",
    "bundled_contexts",
    "canonicalize",
    "cause_of",
    "compute_digest_sri",
    "controller_document",
    "copy_json",
    "decode_jwt_header",
    "did_key",
    "did_web_to_url",
    "dumps",
    "explain",
    "extract",
    "format_datetime",
    "generate_key_pair",
    "hash_identity",
    "headline",
    "loads",
    "matches_identity",
    "normalise_email",
    "off_the_loop_if_slow",
    "public_jwk",
    "public_key_from_jwk",
    "public_key_from_multibase",
    "public_key_multibase",
    "read_status",
    "resolve_did_jwk",
    "resolve_did_key",
    "resolve_verification_method",
    "serialise_clr",
    "sign_credential",
    "sign_jwt",
    "status_entry",
    "status_list_credential",
    "to_document",
    "url_to_did_web",
    "verify",
    "verify_jwt",
    "work_lane",
]
