"""Issuers' signing keys, decrypted once per process and kept for a short while.

Decrypting a key (and loading an RSA key) costs milliseconds and a database read; issuance
needs both keys of one issuer on every completion. The cache is per process and safe to be
stale for `ttl_seconds`: a key retired by another process stays published (so a proof made
with it still verifies), and a rotation in this process drops the entry at once.
"""

import time
import uuid
from dataclasses import dataclass

from openbadges.keys import KeyPair, PrivateKey
from service.domain.keyvault import KeyVault


@dataclass(frozen=True)
class SigningKeys:
    """An issuer's active keys: Ed25519 for Data Integrity, RSA for the VC-JWT.

    Each key's id is its verification method in the issuer's DID document (``did:web:…#name``),
    which is also the VC-JWT's ``kid``.
    """

    data_integrity: KeyPair
    jwt: KeyPair


class Signer:
    def __init__(self, vault: KeyVault, *, ttl_seconds: float = 60.0) -> None:
        self._vault = vault
        self._ttl = ttl_seconds
        self._cache: dict[uuid.UUID, tuple[float, object]] = {}

    def __repr__(self) -> str:
        return "Signer(<sealed>)"

    def seal(self, key: PrivateKey) -> bytes:
        return self._vault.seal(key)

    def open(self, sealed: bytes) -> PrivateKey:
        return self._vault.open(sealed)

    def seal_bytes(self, secret: bytes) -> bytes:
        return self._vault.seal_bytes(secret)

    def open_bytes(self, sealed: bytes) -> bytes:
        return self._vault.open_bytes(sealed)

    def cached(self, issuer_id: uuid.UUID) -> object | None:
        """What `remember` kept for this issuer, while it is fresh."""
        entry = self._cache.get(issuer_id)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def remember(self, issuer_id: uuid.UUID, value: object) -> None:
        self._cache[issuer_id] = (time.monotonic() + self._ttl, value)

    def forget(self, issuer_id: uuid.UUID) -> None:
        """Drop an issuer's keys (after a rotation)."""
        self._cache.pop(issuer_id, None)
