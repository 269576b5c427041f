"""The ``eddsa-rdfc-2022`` Data Integrity cryptosuite.

https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022: RDFC-1.0 canonicalisation of the document
and of the proof configuration (which carries the document's ``@context``), SHA-256 of each,
the proof configuration's hash first, an Ed25519 signature over the 64 bytes, and a
``z``-base58btc ``proofValue``. ``eddsa-2022`` is the same algorithm under the name it had in
the 2023 drafts (https://www.w3.org/TR/2023/WD-vc-di-eddsa-20230714/); it is accepted when
verifying, never produced.
"""

import hashlib
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from openbadges.canonical import Canonicalized, canonicalize_pair
from openbadges.contexts import ContextLoader
from openbadges.errors import InvalidDocument, InvalidKey, ProofError, UnsupportedCryptosuite
from openbadges.jsontypes import JSONObject
from openbadges.keys import KeyPair, PublicKey
from openbadges.multibase import decode_multibase, encode_multibase

__all__ = [
    "CRYPTOSUITE",
    "LEGACY_CRYPTOSUITES",
    "create_proof",
    "hash_data",
    "verify_ed25519_rdfc",
    "verify_proof",
]

CRYPTOSUITE = "eddsa-rdfc-2022"
LEGACY_CRYPTOSUITES = frozenset({"eddsa-2022"})
_PROOF_TYPE = "DataIntegrityProof"


def create_proof(
    document: JSONObject,
    key: KeyPair,
    *,
    loader: ContextLoader,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> JSONObject:
    """Create an ``eddsa-rdfc-2022`` proof for an unsecured document.

    Args:
        document: the credential without a ``proof`` (it is not modified).
        key: an Ed25519 key pair; its ``id`` becomes ``verificationMethod``.
        loader: where JSON-LD contexts come from.
        created: the proof's ``created`` time (aware; sent as a UTC dateTimeStamp to the
            second); omitted when None.
        proof_purpose: the proof purpose; verifiers of credentials expect ``assertionMethod``.
        challenge: for an ``authentication`` proof of a presentation (DID Authentication),
            the verifier's challenge, signed with the proof (VC Data Integrity §2.1).
        domain: likewise, the verifier's domain.

    Returns:
        The proof object, ready to be added to the document's ``proof``.

    Raises:
        InvalidKey: the key is not Ed25519.
        InvalidDocument: the document has undefined terms or relative IRIs, which JSON-LD
            would drop, leaving them unsigned (vc-di-eddsa §3.2.3, safe mode).
        ContextNotFound: the document uses a context that is not bundled.

    See https://www.w3.org/TR/vc-di-eddsa/#create-proof-eddsa-rdfc-2022.
    """
    if not isinstance(key.private_key, Ed25519PrivateKey):
        raise InvalidKey(f"{CRYPTOSUITE} signs with Ed25519 keys, not {key.type}")
    options: JSONObject = {"type": _PROOF_TYPE, "cryptosuite": CRYPTOSUITE}
    if created is not None:
        options["created"] = _date_time_stamp(created)
    options["verificationMethod"] = key.id
    options["proofPurpose"] = proof_purpose
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    canonical = canonicalize_pair(document, options, loader)
    if not canonical.is_safe:
        raise InvalidDocument(_unsafe_message(canonical))
    signature = key.private_key.sign(hash_data(canonical))
    return {**options, "proofValue": encode_multibase(signature)}


def verify_proof(
    document: JSONObject, proof: JSONObject, public_key: PublicKey, *, loader: ContextLoader
) -> Canonicalized:
    """Check one proof's signature over a document.

    Only the cryptography is checked here; whether the key may sign for the issuer, the proof
    purpose and the dates are the verification pipeline's checks.

    Args:
        document: the secured document; its ``proof`` member is ignored.
        proof: the proof to check (one entry of ``proof``).
        public_key: the verification method's key.
        loader: where JSON-LD contexts come from.

    Returns:
        The canonical form that was verified, with the safe-mode findings.

    Raises:
        UnsupportedCryptosuite: the proof is not an ``eddsa-rdfc-2022`` Data Integrity proof.
        ProofError: the proof is malformed or the signature does not verify.
        InvalidDocument, ContextNotFound: the document cannot be canonicalised.

    See https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-rdfc-2022.
    """
    if proof.get("type") != _PROOF_TYPE or (
        proof.get("cryptosuite") != CRYPTOSUITE
        and proof.get("cryptosuite") not in LEGACY_CRYPTOSUITES
    ):
        raise UnsupportedCryptosuite(
            f"proof type {proof.get('type')!r} with cryptosuite {proof.get('cryptosuite')!r}"
        )
    return verify_ed25519_rdfc(document, proof, public_key, loader=loader)


def verify_ed25519_rdfc(
    document: JSONObject, proof: JSONObject, public_key: PublicKey, *, loader: ContextLoader
) -> Canonicalized:
    """The verification steps eddsa-rdfc-2022 shares with the legacy Ed25519Signature2020.

    vc-di-eddsa §3.2.2: drop the proof value, give the options the document's context (or
    check the proof's own context is a prefix of it), canonicalise, hash, verify Ed25519.
    """
    if not isinstance(public_key, Ed25519PublicKey):
        raise ProofError(f"{proof.get('type')} needs an Ed25519 key")
    signature = _decode_proof_value(proof.get("proofValue"))
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    if "@context" in options:
        unsecured["@context"] = _proof_context(document, options.pop("@context"))
    canonical = canonicalize_pair(unsecured, options, loader)
    try:
        public_key.verify(signature, hash_data(canonical))
    except InvalidSignature:
        raise ProofError("the signature does not match the document") from None
    return canonical


def hash_data(canonical: Canonicalized) -> bytes:
    """SHA-256 of the proof configuration, then of the document (vc-di-eddsa §3.2.4)."""
    return (
        hashlib.sha256(canonical.proof.encode()).digest()
        + hashlib.sha256(canonical.document.encode()).digest()
    )


def _decode_proof_value(value: object) -> bytes:
    if not isinstance(value, str):
        raise ProofError("the proof has no proofValue string")
    signature = decode_multibase(value, error=ProofError, what="proofValue")
    if not value.startswith("z") or len(signature) != 64:
        raise ProofError("proofValue must be a z-base58btc Ed25519 signature of 64 bytes")
    return signature


def _proof_context(document: JSONObject, proof_context: object) -> object:
    """vc-di-eddsa §3.2.2 step 4: the document's context must start with the proof's."""
    document_context = document.get("@context")
    expected = proof_context if isinstance(proof_context, list) else [proof_context]
    actual = document_context if isinstance(document_context, list) else [document_context]
    if actual[: len(expected)] != expected:
        raise ProofError("the proof's @context is not a prefix of the document's @context")
    return proof_context


def _date_time_stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("created must be an aware datetime")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unsafe_message(canonical: Canonicalized) -> str:
    parts = []
    if canonical.undefined_terms:
        parts.append(f"undefined terms {sorted(canonical.undefined_terms)}")
    if canonical.relative_iris:
        parts.append(f"relative IRIs {sorted(canonical.relative_iris)}")
    return "refusing to sign: JSON-LD would drop " + " and ".join(parts)
