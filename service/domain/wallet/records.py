"""What the wallet flows share: secrets and their hashes, the offer row, the collected event."""

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CredentialRecord, WalletExchangeRecord
from service.domain.clients.audit import record_event
from service.domain.clients.webhooks import publish
from service.domain.clock import Clock
from service.domain.credentials.facts import credential_facts
from service.domain.urls import Urls

OFFER_TTL = timedelta(minutes=10)
TOKEN_TTL = timedelta(minutes=5)
MAX_TX_FAILURES = 5
TX_CODE_LENGTH = 6
COLLECTED = "credential.collected"


def digest(secret: str) -> str:
    """Only this is stored: a leaked table gives no offer, code or token away."""
    return hashlib.sha256(secret.encode()).hexdigest()


def pre_authorized_code(reference: str, key: bytes) -> str:
    """The offer's pre-authorized code, derived from its reference (nothing more to store)."""
    mac = hmac.new(key, b"oid4vci-pre-authorized-code:" + reference.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


@dataclass(frozen=True)
class Held:
    """An offer as read before a step that takes time (a signature check): no lock held."""

    id: uuid.UUID
    credential_id: uuid.UUID
    state: str
    challenge: str | None
    expires_at: datetime


async def held_by_reference(session: AsyncSession, reference: str) -> Held | None:
    row = (
        await session.execute(
            select(
                WalletExchangeRecord.id,
                WalletExchangeRecord.credential_id,
                WalletExchangeRecord.state,
                WalletExchangeRecord.challenge,
                WalletExchangeRecord.expires_at,
            ).where(WalletExchangeRecord.reference_hash == digest(reference))
        )
    ).first()
    return Held(*row) if row is not None else None


async def signed_text(session: AsyncSession, credential_id: uuid.UUID) -> bytes:
    """The stored signed Data Integrity credential, exactly as it was signed."""
    text = await session.scalar(
        select(CredentialRecord.signed_json).where(CredentialRecord.id == credential_id)
    )
    return (text or "").encode()


async def record_collected(
    session: AsyncSession,
    *,
    credential_id: uuid.UUID,
    protocol: str,
    holder: str | None,
    urls: Urls,
    clock: Clock,
) -> None:
    """The audit event and the ``credential.collected`` webhook, in the completing unit."""
    facts = await credential_facts(session, credential_id)
    detail = {"protocol": protocol, "holder": holder}
    await record_event(
        session,
        actor="wallet",
        action=COLLECTED,
        subject=str(credential_id),
        detail=detail,
        clock=clock,
        issuer=facts.issuer_slug,
    )
    await publish(
        session,
        event=COLLECTED,
        issuer_slug=facts.issuer_slug,
        submitted_by=facts.submitted_by,
        data={
            "id": str(credential_id),
            "url": urls.credential(credential_id),
            "issuer": facts.issuer_slug,
            **detail,
        },
        clock=clock,
    )
