"""Which module verifies a proof: by its ``cryptosuite`` (Data Integrity) or legacy ``type``."""

from collections.abc import Callable

from openbadges.canonical import Canonicalized
from openbadges.contexts import ContextLoader
from openbadges.jsontypes import JSONObject
from openbadges.keys import PublicKey
from openbadges.proofs import (
    ecdsa_rdfc_2019,
    ecdsa_sd_2023,
    ed25519_signature_2018,
    ed25519_signature_2020,
    eddsa_rdfc_2022,
)

__all__ = ["ProofVerifier", "verifier_for", "verify_with_suite"]

ProofVerifier = Callable[..., Canonicalized]
"""``(document, proof, public_key, *, loader) -> Canonicalized``, raising on failure."""

_BY_TYPE: dict[str, ProofVerifier] = {
    ed25519_signature_2020.PROOF_TYPE: ed25519_signature_2020.verify_proof,
    ed25519_signature_2018.PROOF_TYPE: ed25519_signature_2018.verify_proof,
}
_BY_CRYPTOSUITE: dict[str, ProofVerifier] = {
    ecdsa_rdfc_2019.CRYPTOSUITE: ecdsa_rdfc_2019.verify_proof,
    ecdsa_sd_2023.CRYPTOSUITE: ecdsa_sd_2023.verify_proof,
}


def verifier_for(proof: JSONObject) -> ProofVerifier:
    """The suite that checks this proof.

    Any other proof goes to ``eddsa-rdfc-2022``, which rejects what it is not with
    `UnsupportedCryptosuite`, so an unknown suite is reported as unsupported.
    """
    by_type = _BY_TYPE.get(str(proof.get("type")))
    if by_type is not None:
        return by_type
    return _BY_CRYPTOSUITE.get(str(proof.get("cryptosuite")), eddsa_rdfc_2022.verify_proof)


def verify_with_suite(
    document: JSONObject, proof: JSONObject, public_key: PublicKey, *, loader: ContextLoader
) -> Canonicalized:
    """Verify one proof with the suite it names (see `verifier_for`)."""
    return verifier_for(proof)(document, proof, public_key, loader=loader)
