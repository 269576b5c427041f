"""A wallet holder for the Python tests: a did:key that signs DID Authentication presentations.

The signing uses the project's library (``eddsa-rdfc-2022``); the independent clients (LCW's
algorithm on the DCC's npm libraries, ``Ed25519Signature2020``) live in tests/wallet.
"""

from typing import Any

from openbadges.contexts import ContextLoader
from openbadges.keys import KeyPair, generate_key_pair
from openbadges.proofs.eddsa_rdfc_2022 import create_proof

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def holder_key() -> KeyPair:
    return generate_key_pair()  # did:key:z…#z…


def presentation(
    key: KeyPair, *, challenge: str, domain: str, holder: str | None = None
) -> dict[str, Any]:
    """A presentation for `holder` (by default the key's own DID), signed by `key`."""
    unsigned: dict[str, Any] = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder or key.controller,
    }
    proof = create_proof(
        unsigned,
        key,
        loader=ContextLoader(),
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )
    return {**unsigned, "proof": proof}
