"""The ``ecdsa-sd-2023`` Data Integrity cryptosuite: derived (disclosure) proofs, verified.

https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-sd-2023. The issuer signs a base proof and gives it
to the holder only; the holder discloses some statements and derives a proof that a verifier
checks. The derived proof value (§3.5.8 parseDerivedProofValue) is ``u``-base64url of the
header ``0xd9 0x5d 0x01`` and a CBOR array: the issuer's base signature, an ephemeral P-256
public key (Multikey bytes), one signature per non-mandatory statement, the label map (from
canonical blank node labels to the HMAC-derived labels the issuer signed) and the indexes of
the mandatory statements. Verification (§3.6.2 createVerifyData, §3.6.x verify):

1. canonicalise the disclosed document with RDFC-1.0 and relabel its blank nodes through the
   label map; the proof configuration (under the document's ``@context``) is hashed too;
2. the statements at the mandatory indexes are hashed together; the base signature must
   verify, with the issuer's key, over proofHash ‖ ephemeral public key ‖ mandatoryHash;
3. every other statement must verify, in order, with the ephemeral key and its signature.

A base proof (header ``0xd9 0x5d 0x00``) is for the holder alone (§3.5.2): it is refused as
unsupported, since a verifier should be shown a derived proof.
"""

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import cbor2
import pyoxigraph as ox
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from openbadges.canonical import Canonicalized, canonicalize_pair
from openbadges.contexts import ContextLoader
from openbadges.errors import ProofError, UnsupportedCryptosuite
from openbadges.jsontypes import JSONObject
from openbadges.keys import PublicKey

__all__ = ["CRYPTOSUITE", "DerivedProof", "parse_derived_proof_value", "verify_proof"]

CRYPTOSUITE = "ecdsa-sd-2023"
_PROOF_TYPE = "DataIntegrityProof"
_BASE_HEADER = b"\xd9\x5d\x00"
_DERIVED_HEADER = b"\xd9\x5d\x01"
_P256_MULTIKEY = b"\x80\x24"  # multicodec p256-pub, then the 33-byte compressed point
MAX_STATEMENTS = 10_000
"""Signatures or mandatory indexes one derived proof may carry."""


@dataclass(frozen=True)
class DerivedProof:
    """The parts of a derived proof value (vc-di-ecdsa §3.5.8)."""

    base_signature: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]


def verify_proof(
    document: JSONObject, proof: JSONObject, public_key: PublicKey, *, loader: ContextLoader
) -> Canonicalized:
    """Check an ``ecdsa-sd-2023`` derived proof over the disclosed document.

    Args:
        document: the disclosed document; its ``proof`` member is ignored.
        proof: the derived proof.
        public_key: the issuer's P-256 key (the proof's verification method).
        loader: where JSON-LD contexts come from.

    Returns:
        The canonical form of the disclosed document, with the safe-mode findings.

    Raises:
        UnsupportedCryptosuite: not an ``ecdsa-sd-2023`` proof, or a base proof.
        ProofError: the key is not P-256, the proof is malformed or does not verify.
        InvalidDocument, ContextNotFound: the document cannot be canonicalised.

    See https://www.w3.org/TR/vc-di-ecdsa/#verify-derived-proof-ecdsa-sd-2023.
    """
    if proof.get("type") != _PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise UnsupportedCryptosuite(
            f"proof type {proof.get('type')!r} with cryptosuite {proof.get('cryptosuite')!r}"
        )
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or public_key.curve.name != (
        "secp256r1"
    ):
        raise ProofError(f"{CRYPTOSUITE} needs a P-256 key")
    derived = parse_derived_proof_value(proof.get("proofValue"))
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    options.pop("@context", None)
    canonical = canonicalize_pair(unsecured, options, loader)
    statements = relabel(canonical.document, derived.label_map)
    mandatory, others = _split(statements, derived.mandatory_indexes)
    if len(others) != len(derived.signatures):
        raise ProofError(
            f"{len(derived.signatures)} signatures for {len(others)} disclosed statements"
        )
    proof_hash = hashlib.sha256(canonical.proof.encode()).digest()
    mandatory_hash = hashlib.sha256("".join(mandatory).encode()).digest()
    # §3.5.4 serializeSignData: proofHash ‖ publicKey ‖ mandatoryHash, signed by the issuer.
    if not _verifies(
        public_key, derived.base_signature, proof_hash + derived.public_key + mandatory_hash
    ):
        raise ProofError("the base signature does not match the disclosed statements")
    ephemeral = _ephemeral_key(derived.public_key)
    for statement, signature in zip(others, derived.signatures, strict=True):
        if not _verifies(ephemeral, signature, statement.encode()):
            raise ProofError("a disclosed statement does not match its signature")
    return canonical


def parse_derived_proof_value(value: object) -> DerivedProof:
    """Decode a derived proof value (vc-di-ecdsa §3.5.8 parseDerivedProofValue).

    Raises:
        UnsupportedCryptosuite: the value is a base proof (for the holder, not a verifier).
        ProofError: the value is not a derived proof value.
    """
    if not isinstance(value, str) or not value.startswith("u"):
        raise ProofError("proofValue must be a u-base64url string")
    try:
        decoded = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
    except ValueError:
        raise ProofError("proofValue is not base64url") from None
    if decoded.startswith(_BASE_HEADER):
        raise UnsupportedCryptosuite(
            f"an {CRYPTOSUITE} base proof is for the holder only; a verifier needs the "
            "derived proof the holder makes from it (vc-di-ecdsa §3.5.2)"
        )
    if not decoded.startswith(_DERIVED_HEADER):
        raise ProofError(f"proofValue does not start with the {CRYPTOSUITE} derived proof header")
    try:
        parts = cbor2.loads(decoded[len(_DERIVED_HEADER) :])
    except (cbor2.CBORDecodeError, ValueError, TypeError):
        raise ProofError("proofValue is not valid CBOR") from None
    return _derived(parts)


def _derived(parts: Any) -> DerivedProof:  # noqa: ANN401 - decoded CBOR
    if not isinstance(parts, list) or len(parts) != 5:
        raise ProofError("a derived proof value is a CBOR array of five components")
    base_signature, public_key, signatures, label_map, mandatory = parts
    if not (
        isinstance(base_signature, bytes)
        and isinstance(public_key, bytes)
        and isinstance(signatures, list)
        and all(isinstance(item, bytes) for item in signatures)
        and isinstance(label_map, dict)
        and all(isinstance(k, int) and isinstance(v, bytes) for k, v in label_map.items())
        and isinstance(mandatory, list)
        and all(isinstance(item, int) and not isinstance(item, bool) for item in mandatory)
    ):
        raise ProofError("a derived proof value's components have the wrong types")
    if len(signatures) > MAX_STATEMENTS or len(mandatory) > MAX_STATEMENTS:
        raise ProofError(f"a derived proof value over {MAX_STATEMENTS} statements is refused")
    # §3.5.6 decompressLabelMap: c14nN → "u" + base64url of the HMAC digest.
    labels = {
        f"c14n{key}": "u" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        for key, digest in label_map.items()
    }
    return DerivedProof(base_signature, public_key, tuple(signatures), labels, tuple(mandatory))


def relabel(canonical: str, label_map: dict[str, str]) -> list[str]:
    """Canonical N-Quads with their blank nodes relabelled, sorted (§3.4.x labelReplacement).

    Raises:
        ProofError: a canonical blank node label is not in the label map.
    """
    nodes: dict[str, ox.BlankNode] = {}

    def mapped(term: Any) -> Any:  # noqa: ANN401 - pyoxigraph terms
        if not isinstance(term, ox.BlankNode):
            return term
        if term.value not in label_map:
            raise ProofError(f"blank node _:{term.value} is not in the proof's label map")
        return nodes.setdefault(term.value, ox.BlankNode(label_map[term.value]))

    statements = [
        ox.Quad(mapped(quad.subject), quad.predicate, mapped(quad.object), mapped(quad.graph_name))
        for quad in ox.parse(canonical, ox.RdfFormat.N_QUADS)
    ]
    return sorted(f"{quad} .\n" for quad in statements)


def _split(statements: list[str], indexes: tuple[int, ...]) -> tuple[list[str], list[str]]:
    chosen = set(indexes)
    if len(chosen) != len(indexes) or any(not 0 <= i < len(statements) for i in chosen):
        raise ProofError("the mandatory indexes do not fit the disclosed statements")
    mandatory = [s for i, s in enumerate(statements) if i in chosen]
    others = [s for i, s in enumerate(statements) if i not in chosen]
    return mandatory, others


def _ephemeral_key(multikey: bytes) -> ec.EllipticCurvePublicKey:
    if not multikey.startswith(_P256_MULTIKEY) or len(multikey) != 35:
        raise ProofError("the derived proof's public key is not a P-256 Multikey")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), multikey[2:])
    except ValueError:
        raise ProofError("the derived proof's public key is not a point on P-256") from None


def _verifies(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    """ECDSA P-256 with SHA-256; the signature in IEEE P1363 form (``r ‖ s``)."""
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
