"""The legacy ``Ed25519Signature2018`` Linked Data proof (detached JWS), for verifying.

https://w3c-ccg.github.io/lds-ed25519-2018/ (CCG report, 2018-2021; dated copy
https://web.archive.org/web/2021/https://w3c-ccg.github.io/lds-ed25519-2018/): URDNA2015 of
the proof options (under the document's ``@context``, without ``jws``) and of the document,
SHA-256 of each, options first; the 64 bytes are the payload of a detached, unencoded JWS
(RFC 7797, header ``{"alg":"EdDSA","b64":false,"crit":["b64"]}``), so the Ed25519 signature
covers ``ASCII(header) || "." || hashes``. Wallets and the JFF plugfests still carry it.
Never produced.
"""

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from openbadges.canonical import Canonicalized, canonicalize_pair
from openbadges.contexts import ContextLoader
from openbadges.errors import ProofError, UnsupportedCryptosuite
from openbadges.jsontypes import JSONObject, loads
from openbadges.keys import PublicKey
from openbadges.multibase import decode_base64url
from openbadges.proofs.eddsa_rdfc_2022 import hash_data

__all__ = ["PROOF_TYPE", "verify_proof"]

PROOF_TYPE = "Ed25519Signature2018"
_SIGNATURE_MEMBERS = ("jws", "signatureValue", "proofValue")


def verify_proof(
    document: JSONObject, proof: JSONObject, public_key: PublicKey, *, loader: ContextLoader
) -> Canonicalized:
    """Check an ``Ed25519Signature2018`` proof's detached JWS over a document.

    Args:
        document: the secured document; its ``proof`` member is ignored.
        proof: the proof, with its ``jws``.
        public_key: the verification method's Ed25519 key.
        loader: where JSON-LD contexts come from.

    Returns:
        The canonical form that was verified, with the safe-mode findings.

    Raises:
        UnsupportedCryptosuite: the proof is of another type.
        ProofError: the JWS is malformed or does not verify, or the key is not Ed25519.
        InvalidDocument, ContextNotFound: the document cannot be canonicalised.
    """
    if proof.get("type") != PROOF_TYPE:
        raise UnsupportedCryptosuite(f"proof type {proof.get('type')!r} is not {PROOF_TYPE}")
    if not isinstance(public_key, Ed25519PublicKey):
        raise ProofError(f"{PROOF_TYPE} needs an Ed25519 key")
    encoded_header, signature = _split_detached_jws(proof.get("jws"))
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {k: v for k, v in proof.items() if k not in _SIGNATURE_MEMBERS and k != "@context"}
    canonical = canonicalize_pair(unsecured, options, loader)
    signing_input = encoded_header.encode("ascii") + b"." + hash_data(canonical)
    try:
        public_key.verify(signature, signing_input)
    except InvalidSignature:
        raise ProofError("the signature does not match the document") from None
    return canonical


def _split_detached_jws(jws: object) -> tuple[str, bytes]:
    """RFC 7515 Appendix F / RFC 7797: ``header..signature``, EdDSA, unencoded payload."""
    if not isinstance(jws, str) or jws.count(".") != 2 or jws.split(".")[1]:
        raise ProofError("jws must be a detached compact JWS (header..signature)")
    encoded_header, _, encoded_signature = jws.split(".")
    signature = decode_base64url(encoded_signature, error=ProofError, what="jws signature")
    try:
        header = loads(decode_base64url(encoded_header, error=ProofError, what="jws header"))
    except msgspec.DecodeError as error:
        raise ProofError(f"the jws header is not JSON: {error}") from None
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise ProofError("the jws header must name alg EdDSA")
    if header.get("b64") is not False or "b64" not in (header.get("crit") or []):
        raise ProofError('the jws header must be unencoded: "b64": false, "crit": ["b64"]')
    if len(signature) != 64:
        raise ProofError("the jws signature must be 64 bytes of Ed25519")
    return encoded_header, signature
