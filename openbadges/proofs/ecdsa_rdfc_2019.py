"""The ``ecdsa-rdfc-2019`` Data Integrity cryptosuite (verification only).

https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-rdfc-2019: RDFC-1.0 canonicalisation of the document
and of the proof configuration (under the document's ``@context``), each hashed with SHA-256
for a P-256 key or SHA-384 for a P-384 key, the proof configuration's hash first, and an ECDSA
signature in IEEE P1363 form (``r || s``) as a ``z``-base58btc ``proofValue``.
"""

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from openbadges.canonical import Canonicalized, HashAlgorithm, canonicalize_pair
from openbadges.contexts import ContextLoader
from openbadges.errors import ProofError, UnsupportedCryptosuite
from openbadges.jsontypes import JSONObject
from openbadges.keys import PublicKey
from openbadges.multibase import decode_multibase

__all__ = ["CRYPTOSUITE", "hash_data", "verify_proof"]

CRYPTOSUITE = "ecdsa-rdfc-2019"
_PROOF_TYPE = "DataIntegrityProof"
# vc-di-ecdsa §3.3.4 (hashing): SHA-256 for P-256, SHA-384 for P-384; r and s of that size.
_CURVES: dict[str, tuple[HashAlgorithm, int]] = {
    "secp256r1": ("sha256", 32),
    "secp384r1": ("sha384", 48),
}


def verify_proof(
    document: JSONObject, proof: JSONObject, public_key: PublicKey, *, loader: ContextLoader
) -> Canonicalized:
    """Check one ``ecdsa-rdfc-2019`` proof's signature over a document.

    Args:
        document: the secured document; its ``proof`` member is ignored.
        proof: the proof to check.
        public_key: the verification method's P-256 or P-384 key.
        loader: where JSON-LD contexts come from.

    Returns:
        The canonical form that was verified, with the safe-mode findings.

    Raises:
        UnsupportedCryptosuite: the proof is not an ``ecdsa-rdfc-2019`` Data Integrity proof.
        ProofError: the key is not P-256/P-384, the proof is malformed or does not verify.
        InvalidDocument, ContextNotFound: the document cannot be canonicalised.

    See https://www.w3.org/TR/vc-di-ecdsa/#verify-proof-ecdsa-rdfc-2019.
    """
    if proof.get("type") != _PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise UnsupportedCryptosuite(
            f"proof type {proof.get('type')!r} with cryptosuite {proof.get('cryptosuite')!r}"
        )
    if (
        not isinstance(public_key, ec.EllipticCurvePublicKey)
        or public_key.curve.name not in _CURVES
    ):
        raise ProofError(f"{CRYPTOSUITE} needs a P-256 or P-384 key")
    algorithm, size = _CURVES[public_key.curve.name]
    signature = _decode_proof_value(proof.get("proofValue"), size)
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    if "@context" in options:
        # vc-di-ecdsa §3.3.2 step 4: the document's context must start with the proof's.
        expected = options.pop("@context")
        actual = unsecured.get("@context")
        expected_list = expected if isinstance(expected, list) else [expected]
        actual_list = actual if isinstance(actual, list) else [actual]
        if actual_list[: len(expected_list)] != expected_list:
            raise ProofError("the proof's @context is not a prefix of the document's @context")
    # vc-di-ecdsa §3.3.2: RDFC-1.0 labels blank nodes with the curve's hash too.
    canonical = canonicalize_pair(unsecured, options, loader, hash_algorithm=algorithm)
    digest = hash_data(canonical, algorithm)
    chosen = hashes.SHA256() if algorithm == "sha256" else hashes.SHA384()
    # hashData is the two hashes concatenated; ECDSA signs (and hashes again) those bytes.
    prehash = hashlib.new(algorithm, digest).digest()
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), prehash, ec.ECDSA(Prehashed(chosen)))
    except InvalidSignature:
        raise ProofError("the signature does not match the document") from None
    return canonical


def hash_data(canonical: Canonicalized, algorithm: str = "sha256") -> bytes:
    """The proof configuration's hash, then the document's (vc-di-ecdsa §3.3.4)."""
    return (
        hashlib.new(algorithm, canonical.proof.encode()).digest()
        + hashlib.new(algorithm, canonical.document.encode()).digest()
    )


def _decode_proof_value(value: object, size: int) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("proofValue must be a z-base58btc string")
    signature = decode_multibase(value, error=ProofError, what="proofValue")
    if len(signature) != 2 * size:
        raise ProofError(f"proofValue must be an ECDSA signature of {2 * size} bytes")
    return signature
