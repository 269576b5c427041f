"""The webhook outbox as workers see it: claim due deliveries, then record what happened.

A claim is a short write unit that leases rows (``locked_until``); the worker sends with no
transaction open and records the result in another short unit. On PostgreSQL the claim
reads with ``FOR UPDATE SKIP LOCKED``, so several workers share the rows without waiting on
one another and never claim the same one; SQLite has a single writer, which is as good.
A lease that runs out (the worker died) makes the row due again: deliveries survive restarts.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointRecord
from service.domain.audit import record_event
from service.domain.clock import Clock, utc_now
from service.domain.signer import Signer

MAX_ATTEMPTS = 10
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class Claimed:
    """A leased delivery, with what sending it needs."""

    id: uuid.UUID
    endpoint_id: uuid.UUID
    message_id: str
    url: str
    body: str
    secret: str
    attempts: int
    lease: datetime  # the lease's end; recording checks it is still ours


@dataclass(frozen=True)
class Outcome:
    status_code: int | None  # None: no answer (refused, timed out…)
    error: str | None
    duration_ms: int

    @property
    def is_delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 5 s, 10 s, 20 s… capped at 6 h, ±50 %."""
    delay: timedelta = min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    jitter = 0.5 + secrets.randbelow(1001) / 1000
    return delay * jitter


class Outbox:
    def __init__(self, session: AsyncSession, *, signer: Signer, clock: Clock = utc_now) -> None:
        self._session = session
        self._signer = signer
        self._clock = clock

    async def claim(self, limit: int, lease: timedelta) -> list[Claimed]:
        """Lease up to `limit` due deliveries of enabled endpoints."""
        now = self._clock()
        rows = (
            await self._session.execute(
                select(WebhookDeliveryRecord, WebhookEndpointRecord)
                .join(
                    WebhookEndpointRecord,
                    WebhookEndpointRecord.id == WebhookDeliveryRecord.endpoint_id,
                )
                .where(
                    WebhookDeliveryRecord.status == "pending",
                    WebhookDeliveryRecord.next_attempt_at <= now,
                    or_(
                        WebhookDeliveryRecord.locked_until.is_(None),
                        WebhookDeliveryRecord.locked_until < now,
                    ),
                    WebhookEndpointRecord.disabled_at.is_(None),
                )
                .order_by(WebhookDeliveryRecord.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True, of=WebhookDeliveryRecord)
            )
        ).all()
        until = now + lease
        if rows:
            await self._session.execute(
                update(WebhookDeliveryRecord)
                .where(WebhookDeliveryRecord.id.in_([delivery.id for delivery, _ in rows]))
                .values(locked_until=until)
                .execution_options(synchronize_session=False)
            )
        return [
            Claimed(
                id=delivery.id,
                endpoint_id=endpoint.id,
                message_id=delivery.message_id,
                url=endpoint.url,
                body=delivery.body,
                secret=self._signer.open_bytes(endpoint.encrypted_secret).decode(),
                attempts=delivery.attempts,
                lease=until,
            )
            for delivery, endpoint in rows
        ]

    async def record(self, claimed: Claimed, outcome: Outcome) -> None:
        """Keep the attempt; deliver, retry later, give up, or disable a 410 endpoint."""
        now = self._clock()
        self._session.add(
            WebhookAttemptRecord(
                delivery_id=claimed.id,
                at=now,
                status_code=outcome.status_code,
                error=(outcome.error or "")[:500] or None,
                duration_ms=outcome.duration_ms,
            )
        )
        attempts = claimed.attempts + 1
        values: dict[str, object] = {"attempts": attempts, "locked_until": None}
        if outcome.is_delivered:
            values.update(status="delivered", delivered_at=now)
        elif outcome.status_code == 410 or attempts >= MAX_ATTEMPTS:
            values.update(status="failed")
        else:
            values.update(next_attempt_at=now + backoff(attempts))
        await self._session.execute(
            update(WebhookDeliveryRecord)
            .where(
                WebhookDeliveryRecord.id == claimed.id,
                WebhookDeliveryRecord.locked_until == claimed.lease,  # still our lease
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if outcome.status_code == 410:
            await self._disable(claimed.endpoint_id, "the receiver answered 410 Gone")

    async def _disable(self, endpoint_id: uuid.UUID, reason: str) -> None:
        await self._session.execute(
            update(WebhookEndpointRecord)
            .where(
                WebhookEndpointRecord.id == endpoint_id,
                WebhookEndpointRecord.disabled_at.is_(None),
            )
            .values(disabled_at=self._clock(), disabled_reason=reason)
            .execution_options(synchronize_session=False)
        )
        await record_event(
            self._session,
            actor="webhook-worker",
            action="webhook.disable",
            subject=str(endpoint_id),
            detail={"reason": reason},
            clock=self._clock,
        )
