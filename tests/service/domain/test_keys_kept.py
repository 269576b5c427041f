"""Opened keys are kept for every issuer: one tenant's many issuers push no other's out.

Loading an RSA key takes milliseconds; with 64 kept, a tenant whose 40 issuers signed in turn
made every other issuer's next signature load its keys again.
"""

import secrets

from openbadges.keys import generate_key_pair
from service.domain.issuers.keyvault import KeyVault
from service.domain.issuers.signer import Signer


def test_a_key_opened_before_many_others_is_still_kept() -> None:
    signer = Signer(KeyVault(secrets.token_bytes(32)))
    sealed = [signer.seal(generate_key_pair("ed25519").private_key) for n in range(200)]
    first = signer.key_pair("did:web:e0.exemple#k", "did:web:e0.exemple", sealed[0])
    for n, key in enumerate(sealed[1:], start=1):
        signer.key_pair(f"did:web:e{n}.exemple#k", f"did:web:e{n}.exemple", key)

    again = signer.key_pair("did:web:e0.exemple#k", "did:web:e0.exemple", sealed[0])

    assert again is first  # kept, not opened and checked again
