"""Webhook endpoints of platforms, and the events written to their outbox.

An event is published in the transaction of the change it reports: `publish` adds one
delivery row per subscribed endpoint to the unit of work that revokes, suspends, reinstates
or collects; an issuance finds its `followers` while it prepares and writes their
`delivery_rows` in the statement that stores the credential. Either way an event commits
with its deliveries or not at all. A worker sends them later
(`service.pipelines.webhook_worker`), following the Standard Webhooks specification.

An endpoint belongs to the client that registered it, and receives the events of the
credentials the visibility policy lets that client follow (`Viewer.may_follow`).
"""

import base64
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.jsontypes import dumps
from openbadges.models import format_datetime
from service.db.direct import execute
from service.db.ids import new_id
from service.db.json_lists import json_list_holds
from service.db.tables import (
    ClientRecord,
    WebhookAttemptRecord,
    WebhookDeliveryRecord,
    WebhookEndpointRecord,
)
from service.domain.clients.audit import record_event
from service.domain.clients.clients import Principal, principal_of
from service.domain.clients.visibility import Viewer
from service.domain.clock import Clock, utc_now
from service.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, Unauthorized
from service.domain.issuers.signer import Signer
from service.domain.texts import Said

EVENTS = frozenset(
    {
        "credential.issued",
        "credential.revoked",
        "credential.suspended",
        "credential.reinstated",
        "credential.collected",
    }
)
MAX_URL_LENGTH = 2000
MAX_ENDPOINTS = 20  # per client


@dataclass(frozen=True)
class Endpoint:
    id: uuid.UUID
    url: str
    events: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: Endpoint
    secret: str  # whsec_…, shown once


@dataclass(frozen=True)
class Attempt:
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Delivery:
    id: uuid.UUID
    message_id: str
    event: str
    status: str
    attempts: tuple[Attempt, ...]
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime


# Built once: every issuance runs it. The client's columns, not its record: plain rows.
_CLIENTS = ClientRecord.__table__
_SUBSCRIBERS = (
    select(
        WebhookEndpointRecord.id.label("endpoint_id"),
        _CLIENTS.c.id,
        _CLIENTS.c.client_id,
        _CLIENTS.c.name,
        _CLIENTS.c.scopes,
        _CLIENTS.c.issuer_slugs,
    )
    .join(_CLIENTS, _CLIENTS.c.id == WebhookEndpointRecord.client_id)
    .where(
        WebhookEndpointRecord.disabled_at.is_(None),
        _CLIENTS.c.disabled_at.is_(None),
        json_list_holds(WebhookEndpointRecord.events, bindparam("event")),
        # Every client `Viewer.may_follow` admits, and few more: never other tenants' at all.
        or_(
            _CLIENTS.c.id == bindparam("submitted_by"),
            json_list_holds(_CLIENTS.c.issuer_slugs, bindparam("issuer_slug")),
        ),
    )
)


async def publish(
    session: AsyncSession,
    *,
    event: str,
    issuer_slug: str,
    submitted_by: uuid.UUID,
    data: dict[str, Any],
    clock: Clock = utc_now,
) -> int:
    """Add the deliveries of an event to the current transaction; returns how many."""
    targets = await followers(
        session, event=event, issuer_slug=issuer_slug, submitted_by=submitted_by
    )
    if not targets:
        return 0
    rows = delivery_rows(targets, event=event, data=data, clock=clock)
    session.add_all(WebhookDeliveryRecord(**row) for row in rows)
    await session.flush()
    return len(targets)


async def followers(
    session: AsyncSession, *, event: str, issuer_slug: str, submitted_by: uuid.UUID
) -> tuple[uuid.UUID, ...]:
    """The endpoints subscribed to `event` whose clients may follow this issuer's credential."""
    values = {"event": event, "issuer_slug": issuer_slug, "submitted_by": submitted_by}
    rows = (await execute(session, _SUBSCRIBERS, values)).all()
    return tuple(
        row.endpoint_id
        for row in rows
        if Viewer(principal=principal_of(row)).may_follow(
            issuer_slug=issuer_slug, submitted_by=submitted_by
        )
    )


def delivery_rows(
    targets: Sequence[uuid.UUID], *, event: str, data: dict[str, Any], clock: Clock = utc_now
) -> list[dict[str, Any]]:
    """An event's outbox rows, one per endpoint, for `publish` or a write that inserts them."""
    if not targets:
        return []
    now = clock()
    # Standard Webhooks: one id per message, kept across retries; the body's recommended shape.
    message_id = f"msg_{uuid.uuid4().hex}"
    body = dumps({"type": event, "timestamp": format_datetime(now), "data": data}).decode()
    return [
        {
            "id": new_id(),
            "endpoint_id": endpoint_id,
            "event": event,
            "message_id": message_id,
            "body": body,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for endpoint_id in targets
    ]


class WebhookService:
    """A client's endpoints: register, list, delete, and their deliveries."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        signer: Signer,
        url_refusal: Callable[[str], Said | None],
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._principal = principal
        self._signer = signer
        self._url_refusal = url_refusal  # the outbound client's: why it would never send there
        self._clock = clock

    async def register(self, url: str, events: list[str]) -> NewEndpoint:
        client = self._client()
        problems = self._url_problems(url)
        unknown = sorted(set(events) - EVENTS)
        if unknown or not events:
            problems.append(
                FieldProblem(
                    "events", Said("events-unknown", events=sorted(EVENTS), unknown=unknown)
                )
            )
        if problems:
            raise InvalidInput(problems)
        if len(await self._records(client)) >= MAX_ENDPOINTS:
            raise Conflict(Said("webhook-endpoints-full", most=MAX_ENDPOINTS))
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        record = WebhookEndpointRecord(
            client_id=client.id,
            url=url,
            events=sorted(set(events)),
            encrypted_secret=self._signer.seal_bytes(secret.encode()),
            created_at=self._clock(),
        )
        self._session.add(record)
        await self._session.flush()
        await record_event(
            self._session,
            actor=client.client_id,
            action="webhook.register",
            subject=str(record.id),
            detail={"url": url, "events": record.events},
            clock=self._clock,
        )
        return NewEndpoint(_endpoint(record), secret)

    async def endpoints(self) -> list[Endpoint]:
        return [_endpoint(record) for record in await self._records(self._client())]

    async def delete(self, endpoint_id: uuid.UUID) -> None:
        """Stop deliveries to an endpoint for good; its history stays listed for audit."""
        record = await self._owned(endpoint_id)
        if record.disabled_reason != "deleted":
            record.disabled_at = self._clock()
            record.disabled_reason = "deleted"
            await record_event(
                self._session,
                actor=self._client().client_id,
                action="webhook.delete",
                subject=str(endpoint_id),
                clock=self._clock,
            )
            await self._session.flush()

    async def deliveries(
        self, endpoint_id: uuid.UUID, *, limit: int = 50, before: datetime | None = None
    ) -> list[Delivery]:
        """The endpoint's deliveries, newest first, each with its attempts."""
        await self._owned(endpoint_id)
        query = select(WebhookDeliveryRecord).where(
            WebhookDeliveryRecord.endpoint_id == endpoint_id
        )
        if before is not None:
            query = query.where(WebhookDeliveryRecord.created_at < before)
        records = (
            await self._session.scalars(
                query.order_by(WebhookDeliveryRecord.created_at.desc()).limit(limit)
            )
        ).all()
        attempts: dict[uuid.UUID, list[Attempt]] = {record.id: [] for record in records}
        for row in await self._session.scalars(
            select(WebhookAttemptRecord)
            .where(WebhookAttemptRecord.delivery_id.in_(attempts))
            .order_by(WebhookAttemptRecord.at)
        ):
            attempts[row.delivery_id].append(
                Attempt(row.at, row.status_code, row.error, row.duration_ms)
            )
        return [_delivery(record, tuple(attempts[record.id])) for record in records]

    async def replay(self, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery:
        """Send a delivery again, as soon as a worker is free (same webhook-id, same body)."""
        endpoint = await self._owned(endpoint_id)
        if endpoint.disabled_at is not None:
            raise Conflict(Said("webhook-endpoint-disabled", reason=endpoint.disabled_reason))
        record = await self._session.get(WebhookDeliveryRecord, delivery_id)
        if record is None or record.endpoint_id != endpoint_id:
            raise NotFound(Said("no-such-delivery"))
        record.status, record.next_attempt_at, record.locked_until = "pending", self._clock(), None
        await self._session.flush()
        await record_event(
            self._session,
            actor=self._client().client_id,
            action="webhook.replay",
            subject=str(delivery_id),
            clock=self._clock,
        )
        found = await self.deliveries(endpoint_id, limit=1_000)
        return next(delivery for delivery in found if delivery.id == delivery_id)

    def _client(self) -> Principal:
        if self._principal is None:
            raise Unauthorized(Said("token-required"))
        return self._principal

    async def _records(self, client: Principal) -> list[WebhookEndpointRecord]:
        found = await self._session.scalars(
            select(WebhookEndpointRecord)
            .where(
                WebhookEndpointRecord.client_id == client.id,
                WebhookEndpointRecord.disabled_reason.is_distinct_from("deleted"),
            )
            .order_by(WebhookEndpointRecord.created_at)
        )
        return list(found)

    async def _owned(self, endpoint_id: uuid.UUID) -> WebhookEndpointRecord:
        record = await self._session.get(WebhookEndpointRecord, endpoint_id)
        if record is None or record.client_id != self._client().id:
            raise NotFound(Said("no-such-webhook-endpoint"))
        return record

    def _url_problems(self, url: str) -> list[FieldProblem]:
        """What delivery would always refuse: not https, or an address that is not public."""
        parts = urlsplit(url)
        if len(url) > MAX_URL_LENGTH or not parts.hostname:
            return [FieldProblem("url", Said("webhook-url-form", most=MAX_URL_LENGTH))]
        refusal: Said | None = self._url_refusal(url)
        return [] if refusal is None else [FieldProblem("url", refusal)]


def _endpoint(record: WebhookEndpointRecord) -> Endpoint:
    return Endpoint(
        id=record.id,
        url=record.url,
        events=tuple(record.events),
        created_at=record.created_at,
        disabled_at=record.disabled_at,
        disabled_reason=record.disabled_reason,
    )


def _delivery(record: WebhookDeliveryRecord, attempts: tuple[Attempt, ...]) -> Delivery:
    return Delivery(
        id=record.id,
        message_id=record.message_id,
        event=record.event,
        status=record.status,
        attempts=attempts,
        next_attempt_at=record.next_attempt_at,
        delivered_at=record.delivered_at,
        created_at=record.created_at,
    )
