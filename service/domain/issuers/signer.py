"""Issuers' signing keys at rest, and the active ones a credential is signed with.

Which keys are active is never cached here: `IssuerService.signing_keys` reads it in the
unit of work that signs, so a rotation or compromise made by another process (the CLI,
another replica) takes effect at the next signature. Only what is made from a key's sealed
bytes, which never change for a key, is cached by them: its decryption (`KeyVault`) and the
key pair built from it.
"""

import functools
from dataclasses import dataclass

from openbadges.keys import KeyPair, PrivateKey
from service.domain.issuers.keyvault import KEYS_KEPT, KeyVault


@dataclass(frozen=True)
class SigningKeys:
    """An issuer's active keys: Ed25519 for Data Integrity, RSA for the VC-JWT.

    Each key's id is its verification method in the issuer's DID document (``did:web:…#name``),
    which is also the VC-JWT's ``kid``.
    """

    data_integrity: KeyPair
    jwt: KeyPair


class Signer:
    def __init__(self, vault: KeyVault) -> None:
        self._vault = vault

    def __repr__(self) -> str:
        return "Signer(<sealed>)"

    def seal(self, key: PrivateKey) -> bytes:
        return self._vault.seal(key)

    def open(self, sealed: bytes) -> PrivateKey:
        return self._vault.open(sealed)

    def key_pair(self, method: str, controller: str, sealed: bytes) -> KeyPair:
        """A sealed key as a pair for signing, built (its key checked) once per key."""
        return self._key_pair(method, controller, bytes(sealed))

    @functools.lru_cache(maxsize=KEYS_KEPT)  # noqa: B019 - one signer per app; inputs never change
    def _key_pair(self, method: str, controller: str, sealed: bytes) -> KeyPair:
        return KeyPair(id=method, controller=controller, private_key=self.open(sealed))

    def seal_bytes(self, secret: bytes) -> bytes:
        return self._vault.seal_bytes(secret)

    def open_bytes(self, sealed: bytes) -> bytes:
        return self._vault.open_bytes(sealed)
