"""The legacy ``Ed25519Signature2020`` Linked Data proof, for verifying older badges.

https://w3c-ccg.github.io/di-eddsa-2020/ (CCG report, 2020-2022): the same construction as
``eddsa-rdfc-2022`` (URDNA2015 of the proof options under the document's context and of the
document, SHA-256 each, options first, Ed25519, ``z``-base58btc ``proofValue``), named by the
proof ``type`` alone. Many OB 3.0 badges issued in 2022-2024 carry it. Never produced.
"""

from openbadges.canonical import Canonicalized
from openbadges.contexts import ContextLoader
from openbadges.errors import UnsupportedCryptosuite
from openbadges.jsontypes import JSONObject
from openbadges.keys import PublicKey
from openbadges.proofs.eddsa_rdfc_2022 import verify_ed25519_rdfc

__all__ = ["PROOF_TYPE", "verify_proof"]

PROOF_TYPE = "Ed25519Signature2020"


def verify_proof(
    document: JSONObject, proof: JSONObject, public_key: PublicKey, *, loader: ContextLoader
) -> Canonicalized:
    """Check an ``Ed25519Signature2020`` proof's signature over a document.

    Raises:
        UnsupportedCryptosuite: the proof is of another type.
        ProofError: the proof is malformed or the signature does not verify.
        InvalidDocument, ContextNotFound: the document cannot be canonicalised.
    """
    if proof.get("type") != PROOF_TYPE:
        raise UnsupportedCryptosuite(f"proof type {proof.get('type')!r} is not {PROOF_TYPE}")
    return verify_ed25519_rdfc(document, proof, public_key, loader=loader)
