"""The webhook outbox as workers see it: claim due deliveries, then record what happened.

A claim is a short write unit that leases rows (``locked_until``); the worker sends with no
transaction open and records each result in another short unit. Claims are fair: at most
`PER_ENDPOINT` deliveries in flight per endpoint, endpoints served in turn, so one tenant's
slow or backlogged receiver never holds up another's. A claim locks the endpoint rows it
serves (PostgreSQL: ``SKIP LOCKED``), so several workers share the work without waiting on
one another and never claim the same delivery; SQLite has a single writer, which is as good.
A lease that runs out (the worker died) makes the row due again: deliveries survive restarts.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointRecord
from service.domain.clients.audit import record_event
from service.domain.clock import Clock, utc_now
from service.domain.issuers.signer import Signer

MAX_ATTEMPTS = 10
PER_ENDPOINT = 2  # deliveries in flight to one endpoint at most, across all workers
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

    async def claim(
        self,
        limit: int,
        lease: timedelta,
        *,
        per_endpoint: int = PER_ENDPOINT,
        after: uuid.UUID | None = None,
    ) -> list[Claimed]:
        """Lease up to `limit` due deliveries, fairly: round-robin across endpoints.

        No endpoint gets more than `per_endpoint` deliveries in flight (leased and not yet
        recorded), counting every worker's leases, so a slow or backlogged endpoint holds a
        few slots and never the whole worker. Endpoints are served in id order, starting
        after `after` (the caller's last endpoint served) and wrapping round; each gets one
        delivery per turn. The endpoint rows are locked while counting (PostgreSQL: ``FOR NO
        KEY UPDATE SKIP LOCKED``, which events being published do not wait on), so two workers
        never both fill one endpoint's quota.
        """
        now = self._clock()
        endpoints = await self._endpoints_with_work(now, limit, per_endpoint, after)
        if not endpoints:
            return []
        quota = {e.id: per_endpoint for e in endpoints}
        for endpoint_id, leased in await self._session.execute(
            select(WebhookDeliveryRecord.endpoint_id, func.count())
            .where(WebhookDeliveryRecord.endpoint_id.in_(quota), *_in_flight(now))
            .group_by(WebhookDeliveryRecord.endpoint_id)
        ):
            quota[endpoint_id] -= leased
        turn = func.row_number().over(
            partition_by=WebhookDeliveryRecord.endpoint_id,
            order_by=(WebhookDeliveryRecord.next_attempt_at, WebhookDeliveryRecord.id),
        )
        ranked = (
            select(WebhookDeliveryRecord.id, WebhookDeliveryRecord.endpoint_id, turn.label("turn"))
            .where(
                WebhookDeliveryRecord.endpoint_id.in_([i for i, q in quota.items() if q > 0]),
                *_due(now),
            )
            .subquery()
        )
        rows = (
            await self._session.execute(
                select(ranked.c.id, ranked.c.endpoint_id, ranked.c.turn).where(
                    ranked.c.turn <= per_endpoint
                )
            )
        ).all()
        order = {e.id: position for position, e in enumerate(endpoints)}
        chosen = [
            delivery_id
            for delivery_id, endpoint_id, turn in sorted(
                rows, key=lambda row: (row.turn, order[row.endpoint_id])
            )
            if turn <= quota[endpoint_id]
        ][:limit]
        if not chosen:
            return []
        until = now + lease
        await self._session.execute(
            update(WebhookDeliveryRecord)
            .where(WebhookDeliveryRecord.id.in_(chosen))
            .values(locked_until=until)
            .execution_options(synchronize_session=False)
        )
        deliveries = {
            d.id: d
            for d in await self._session.scalars(
                select(WebhookDeliveryRecord).where(WebhookDeliveryRecord.id.in_(chosen))
            )
        }
        by_id = {e.id: e for e in endpoints}
        return [
            Claimed(
                id=delivery.id,
                endpoint_id=delivery.endpoint_id,
                message_id=delivery.message_id,
                url=by_id[delivery.endpoint_id].url,
                body=delivery.body,
                secret=self._signer.open_bytes(
                    by_id[delivery.endpoint_id].encrypted_secret
                ).decode(),
                attempts=delivery.attempts,
                lease=until,
            )
            for delivery in (deliveries[i] for i in chosen)
        ]

    async def _endpoints_with_work(
        self, now: datetime, limit: int, per_endpoint: int, after: uuid.UUID | None
    ) -> list[WebhookEndpointRecord]:
        """Up to `limit` enabled, unsaturated endpoints with due work, in turn order, locked."""
        with_work = select(WebhookDeliveryRecord.endpoint_id).where(*_due(now)).distinct()
        saturated = (
            select(WebhookDeliveryRecord.endpoint_id)
            .where(*_in_flight(now))
            .group_by(WebhookDeliveryRecord.endpoint_id)
            .having(func.count() >= per_endpoint)
        )
        query = select(WebhookEndpointRecord).where(
            WebhookEndpointRecord.id.in_(with_work),
            WebhookEndpointRecord.id.not_in(saturated),
            WebhookEndpointRecord.disabled_at.is_(None),
        )
        if after is not None:  # those after the last one served come first, then wrap round
            query = query.order_by(WebhookEndpointRecord.id <= after)
        found = await self._session.scalars(
            query.order_by(WebhookEndpointRecord.id)
            .limit(limit)
            .with_for_update(skip_locked=True, key_share=True)
        )
        return list(found)

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


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A pending delivery whose time has come and that no live lease holds."""
    return (
        WebhookDeliveryRecord.status == "pending",
        WebhookDeliveryRecord.next_attempt_at <= now,
        or_(WebhookDeliveryRecord.locked_until.is_(None), WebhookDeliveryRecord.locked_until < now),
    )


def _in_flight(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A pending delivery a worker holds a live lease on (it is being sent)."""
    return (WebhookDeliveryRecord.status == "pending", WebhookDeliveryRecord.locked_until >= now)
