"""Private keys at rest: AES-256-GCM under the key-encryption key from settings."""

import functools
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openbadges.keys import PrivateKey

_NONCE_BYTES = 12
_ASSOCIATED_DATA = b"insigne:issuer-key:v1"
_SECRET_DATA = b"insigne:secret:v1"  # other secrets kept at rest (webhook signing secrets)


class KeyVault:
    """Seals and opens private keys; the key-encryption key never leaves this object."""

    def __init__(self, key_encryption_key: bytes) -> None:
        self._aead = AESGCM(key_encryption_key)

    def __repr__(self) -> str:
        return "KeyVault(<sealed>)"

    def seal(self, key: PrivateKey) -> bytes:
        """Encrypt a private key (PKCS#8 DER) with a fresh nonce."""
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, der, _ASSOCIATED_DATA)

    def open(self, sealed: bytes) -> PrivateKey:
        """Decrypt a sealed key (cached: loading an RSA key costs milliseconds)."""
        return self._open(bytes(sealed))

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one vault per app; sealed keys are immutable
    def _open(self, sealed: bytes) -> PrivateKey:
        der = self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _ASSOCIATED_DATA)
        return serialization.load_der_private_key(der, password=None)  # type: ignore[return-value]

    def seal_bytes(self, secret: bytes) -> bytes:
        """Encrypt a secret that is not a private key (a webhook signing secret)."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret, _SECRET_DATA)

    def open_bytes(self, sealed: bytes) -> bytes:
        sealed = bytes(sealed)
        return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _SECRET_DATA)
