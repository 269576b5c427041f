"""Private keys at rest: AES-256-GCM under the key-encryption key (KEK) from settings.

A vault holds a key ring: the first key seals, every key opens. When the KEK comes from a
file (``INSIGNE_KEY_ENCRYPTION_KEY_FILE`` or the development file), the vault re-reads it
before sealing and when nothing it holds opens a sealed value, so a process keeps working
through ``insigne keys rotate-kek``, which writes the new key ring before re-encrypting.
"""

import functools
import os
from collections.abc import Callable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openbadges.keys import PrivateKey

_NONCE_BYTES = 12
_ASSOCIATED_DATA = b"insigne:issuer-key:v1"
_SECRET_DATA = b"insigne:secret:v1"  # other secrets kept at rest (webhook signing secrets)

KEYS_KEPT = 4096
"""Sealed keys kept opened (an RSA key takes milliseconds to load): every issuer's active
keys, so that one tenant's many issuers never push another's out (a few KB each)."""

KeySource = Callable[[], Sequence[bytes]]
"""Reads the current key ring (newest first) from where the KEK is kept."""


class KeyVault:
    """Seals and opens private keys; the key-encryption keys never leave this object."""

    def __init__(self, key_encryption_key: bytes, *, source: KeySource | None = None) -> None:
        self._source = source
        self._keys: tuple[bytes, ...] = (key_encryption_key,)
        self._aeads: tuple[AESGCM, ...] = (AESGCM(key_encryption_key),)
        self._refresh()

    def __repr__(self) -> str:
        return "KeyVault(<sealed>)"

    def seal(self, key: PrivateKey) -> bytes:
        """Encrypt a private key (PKCS#8 DER) with a fresh nonce, under the newest KEK."""
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return self._seal(der, _ASSOCIATED_DATA)

    def open(self, sealed: bytes) -> PrivateKey:
        """Decrypt a sealed key (cached: loading an RSA key costs milliseconds)."""
        return self._open(bytes(sealed))

    @functools.lru_cache(maxsize=KEYS_KEPT)  # noqa: B019 - one vault per app; sealed keys never change
    def _open(self, sealed: bytes) -> PrivateKey:
        der = self._decrypt(sealed, _ASSOCIATED_DATA)
        return serialization.load_der_private_key(der, password=None)  # type: ignore[return-value]

    def seal_bytes(self, secret: bytes) -> bytes:
        """Encrypt a secret that is not a private key (a webhook signing secret)."""
        return self._seal(secret, _SECRET_DATA)

    def open_bytes(self, sealed: bytes) -> bytes:
        return self._decrypt(bytes(sealed), _SECRET_DATA)

    def _seal(self, plaintext: bytes, associated: bytes) -> bytes:
        self._refresh()  # never seal under a key the other processes have left
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aeads[0].encrypt(nonce, plaintext, associated)

    def _decrypt(self, sealed: bytes, associated: bytes) -> bytes:
        """Open with each key of the ring; re-read the ring once when none opens it."""
        for attempt in range(2):
            for aead in self._aeads:
                try:
                    return aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], associated)
                except InvalidTag:
                    continue
            if attempt == 0 and not self._refresh():
                break
        raise InvalidTag

    def _refresh(self) -> bool:
        """Take up the source's key ring; whether it changed."""
        if self._source is None:
            return False
        try:
            keys = tuple(self._source())
        except (OSError, ValueError):  # unreadable for now: keep the ring held
            return False
        if not keys or keys == self._keys:
            return False
        self._keys, self._aeads = keys, tuple(AESGCM(key) for key in keys)
        return True
