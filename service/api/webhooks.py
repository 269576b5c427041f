"""Webhook endpoints of platforms (Standard Webhooks), their deliveries and replays."""

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.clients.clients import Principal
from service.domain.clients.webhooks import EVENTS, MAX_URL_LENGTH, Delivery, Endpoint
from service.runtime import Runtime

Event = Annotated[str, msgspec.Meta(examples=sorted(EVENTS))]


class WebhookIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    url: Annotated[
        str,
        msgspec.Meta(
            max_length=MAX_URL_LENGTH, examples=["https://plateforme.exemple.qc.ca/hooks"]
        ),
    ]
    events: Annotated[list[Event], msgspec.Meta(min_length=1, max_length=len(EVENTS))]


class WebhookOut(msgspec.Struct, kw_only=True, rename="camel"):
    id: str
    url: str
    events: list[str]
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None

    @classmethod
    def from_domain(cls, endpoint: Endpoint) -> "WebhookOut":
        return cls(
            id=str(endpoint.id),
            url=endpoint.url,
            events=list(endpoint.events),
            created_at=endpoint.created_at,
            disabled_at=endpoint.disabled_at,
            disabled_reason=endpoint.disabled_reason,
        )


class NewWebhookOut(WebhookOut, kw_only=True, rename="camel"):
    secret: Annotated[str, msgspec.Meta(description="whsec_…: shown once; verifies signatures")]


class AttemptOut(msgspec.Struct, kw_only=True, rename="camel"):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(msgspec.Struct, kw_only=True, rename="camel"):
    id: str
    message_id: str
    event: str
    status: Annotated[str, msgspec.Meta(description="pending, delivered or failed")]
    attempts: list[AttemptOut]
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def from_domain(cls, delivery: Delivery) -> "DeliveryOut":
        return cls(
            id=str(delivery.id),
            message_id=delivery.message_id,
            event=delivery.event,
            status=delivery.status,
            attempts=[
                AttemptOut(
                    at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms
                )
                for a in delivery.attempts
            ],
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


class WebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ["Webhooks"]
    # A platform's own scope: it hears what the visibility policy lets it follow (the
    # credentials it submitted; its issuers' too with credentials:read), never more.
    dependencies = {"principal": requires("webhooks:manage")}

    @post(
        operation_id="CreateWebhook", status_code=201, responses=problems(400, 401, 403, 409, 422)
    )
    async def create(
        self,
        data: JSONBody[WebhookIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> NewWebhookOut:
        """Register an endpoint; the answer holds its signing secret, shown this once."""
        async with runtime.write(principal) as services:
            new = await services.webhooks.register(data.url, data.events)
        return NewWebhookOut(
            **msgspec.structs.asdict(WebhookOut.from_domain(new.endpoint)), secret=new.secret
        )

    @get(operation_id="ListWebhooks", responses=problems(401, 403))
    async def list_webhooks(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> list[WebhookOut]:
        """The caller's endpoints."""
        async with runtime.read(principal) as services:
            return [WebhookOut.from_domain(e) for e in await services.webhooks.endpoints()]

    @delete("/{webhook_id:uuid}", operation_id="DeleteWebhook", responses=problems(401, 403, 404))
    async def delete_webhook(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[uuid.UUID],
    ) -> None:
        """Stop deliveries to an endpoint for good."""
        async with runtime.write(principal) as services:
            await services.webhooks.delete(webhook_id)

    @get(
        "/{webhook_id:uuid}/deliveries",
        operation_id="ListWebhookDeliveries",
        responses=problems(401, 403, 404, 422),
    )
    async def deliveries(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[uuid.UUID],
        before: FromQuery[datetime | None] = None,
        limit: Annotated[int, msgspec.Meta(ge=1, le=200)] = 50,
    ) -> list[DeliveryOut]:
        """Deliveries newest first, with their attempts; page on with ``before``."""
        async with runtime.read(principal) as services:
            found = await services.webhooks.deliveries(webhook_id, limit=limit, before=before)
        return [DeliveryOut.from_domain(d) for d in found]

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/replay",
        operation_id="ReplayWebhookDelivery",
        status_code=202,
        responses=problems(401, 403, 404, 409),
    )
    async def replay(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[uuid.UUID],
        delivery_id: FromPath[uuid.UUID],
    ) -> DeliveryOut:
        """Send a delivery again (same webhook-id and body) as soon as a worker is free."""
        async with runtime.write(principal) as services:
            replayed = await services.webhooks.replay(webhook_id, delivery_id)
        return DeliveryOut.from_domain(replayed)
