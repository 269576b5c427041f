"""Securing a credential: a Data Integrity proof added to a copy of it."""

from datetime import datetime

from openbadges.contexts import ContextLoader
from openbadges.jsontypes import JSONObject
from openbadges.keys import KeyPair
from openbadges.proofs.eddsa_rdfc_2022 import create_proof

__all__ = ["sign_credential"]

_DEFAULT_LOADER = ContextLoader()


def sign_credential(
    credential: JSONObject,
    key: KeyPair,
    *,
    created: datetime | None = None,
    loader: ContextLoader | None = None,
) -> JSONObject:
    """Return a copy of `credential` with an ``eddsa-rdfc-2022`` proof added.

    ``proof`` is always an array, so a credential already carrying proofs becomes a proof set
    (https://www.w3.org/TR/vc-data-integrity/#proof-sets). The input is not modified.

    Raises:
        InvalidKey: the key is not Ed25519.
        InvalidDocument: the credential has undefined terms or relative IRIs.
        ContextNotFound: the credential uses a context that is not bundled.
    """
    unsecured = {name: value for name, value in credential.items() if name != "proof"}
    proof = create_proof(unsecured, key, loader=loader or _DEFAULT_LOADER, created=created)
    existing = credential.get("proof")
    proofs = existing if isinstance(existing, list) else [existing] if existing else []
    return {**credential, "proof": [*proofs, proof]}
