"""Issuers: who signs the badges, and the keys they sign with.

Profiles and their administration, signing keys (rotation, compromise) and the key vault that
seals private keys and webhook secrets at rest under the key-encryption key. Modules only, no
re-exports: import ``service.domain.issuers.issuers`` and so on.
"""
