"""Rotating the key-encryption key: every sealed secret re-encrypted in one transaction.

Issuers' private keys and webhook signing secrets are sealed with the key-encryption key
(`KeyVault`). The caller's unit of work holds every change, so either all of them are under
the new key when it commits, or none is; a secret the old key cannot open aborts it all.
"""

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import IssuerKeyRecord, WebhookEndpointRecord
from service.domain.errors import Conflict
from service.domain.issuers.keyvault import KeyVault
from service.domain.texts import Said


@dataclass(frozen=True)
class Reencrypted:
    issuer_keys: int
    webhook_secrets: int


async def reencrypt_all(session: AsyncSession, old: KeyVault, new: KeyVault) -> Reencrypted:
    """Re-seal every secret from `old` to `new`, in the caller's transaction."""
    keys = (await session.scalars(select(IssuerKeyRecord).with_for_update())).all()
    endpoints = (await session.scalars(select(WebhookEndpointRecord).with_for_update())).all()
    try:
        for key in keys:
            key.encrypted_private_key = new.seal(old.open(key.encrypted_private_key))
        for endpoint in endpoints:
            endpoint.encrypted_secret = new.seal_bytes(old.open_bytes(endpoint.encrypted_secret))
    except InvalidTag:
        raise Conflict(Said("kek-mismatch")) from None
    await session.flush()
    return Reencrypted(len(keys), len(endpoints))


async def newest_sealed(session: AsyncSession) -> tuple[bytes | None, bytes | None]:
    """The newest sealed issuer key and webhook secret: what a process must be able to open."""
    key = await session.scalar(
        select(IssuerKeyRecord.encrypted_private_key)
        .order_by(IssuerKeyRecord.created_at.desc())
        .limit(1)
    )
    secret = await session.scalar(
        select(WebhookEndpointRecord.encrypted_secret)
        .order_by(WebhookEndpointRecord.created_at.desc())
        .limit(1)
    )
    return key, secret
