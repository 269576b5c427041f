"""The OpenAPI 3.1 ``webhooks`` section: every event a platform's endpoint receives.

Deliveries follow Standard Webhooks: a POST with ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature`` (HMAC-SHA256 with the endpoint's ``whsec_…`` secret over
``id.timestamp.body``), and the body ``{"type", "timestamp", "data"}``. The payloads are
written by `service.domain.credentials.awards` (issued),
`service.domain.credentials.lifecycle` (status changes) and `service.domain.wallet.records`
(collected); tests/service/test_webhooks.py checks real deliveries against these schemas.
"""

from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    RequestBody,
    Schema,
)

from service.domain.clients.webhooks import EVENTS

_STRING = OpenAPIType.STRING


def _text(description: str, **more: object) -> Schema:
    return Schema(type=_STRING, description=description, **more)  # type: ignore[arg-type]


_COMMON = {
    "id": _text("the credential's id", format=OpenAPIFormat.UUID),
    "url": _text("the credential's URL (its JSON-LD, its page)", format=OpenAPIFormat.URI),
    "issuer": _text("the issuer's slug"),
}
_DATA = {
    "credential.issued": Schema(
        type=OpenAPIType.OBJECT,
        required=["id", "url", "issuer", "achievement", "externalId", "status"],
        properties={
            **_COMMON,
            "achievement": _text("the achievement's slug"),
            "externalId": _text("the platform's own id for the completion"),
            "status": _text("always active", const="active"),
        },
    ),
    "credential.collected": Schema(
        type=OpenAPIType.OBJECT,
        required=["id", "url", "issuer", "protocol", "holder"],
        properties={
            **_COMMON,
            "protocol": _text("how the wallet collected it", enum=["vcapi", "oid4vci"]),
            "holder": Schema(
                one_of=[
                    _text("the wallet holder's DID, proven by its signature"),
                    Schema(type=OpenAPIType.NULL),
                ],
                description="the holder's DID; null when the wallet proved no key (OID4VCI)",
            ),
        },
    ),
    **{
        event: Schema(
            type=OpenAPIType.OBJECT,
            required=["id", "url", "issuer", "status", "reason"],
            properties={
                **_COMMON,
                "status": _text("the status now", const=status),
                "reason": _text("the reason given with the change"),
            },
        )
        for event, status in (
            ("credential.revoked", "revoked"),
            ("credential.suspended", "suspended"),
            ("credential.reinstated", "active"),
        )
    },
}
_SUMMARY = {
    "credential.issued": "A credential was issued for a completion the platform may follow",
    "credential.revoked": "A credential was revoked (for good)",
    "credential.suspended": "A credential was suspended until reinstated",
    "credential.reinstated": "A suspension was lifted",
    "credential.collected": "The earner collected the credential into a wallet",
}
_HEADERS = {
    "webhook-id": "the message id, the same on every retry (deduplicate with it)",
    "webhook-timestamp": "Unix seconds when this attempt was signed",
    "webhook-signature": "v1,<base64 HMAC-SHA256 of id.timestamp.body with the endpoint's secret>",
}


def _operation(event: str) -> Operation:
    body = Schema(
        type=OpenAPIType.OBJECT,
        required=["type", "timestamp", "data"],
        properties={
            "type": _text("the event", const=event),
            "timestamp": _text("when the event happened", format=OpenAPIFormat.DATE_TIME),
            "data": _DATA[event],
        },
    )
    return Operation(
        summary=_SUMMARY[event],
        description="Sent to endpoints registered for this event (POST /api/v1/webhooks) whose "
        "client may follow the credential (the visibility policy); signed as Standard Webhooks.",
        operation_id="On" + "".join(part.title() for part in event.split(".")),
        tags=["Webhooks"],
        request_body=RequestBody(
            content={"application/json": OpenAPIMediaType(schema=body)}, required=True
        ),
        responses={
            "2XX": OpenAPIResponse(description="Received: the delivery is done"),
            "410": OpenAPIResponse(description="Gone: the endpoint is disabled, no more retries"),
            "default": OpenAPIResponse(description="Retried with exponential backoff"),
        },
        parameters=[
            Parameter(
                name=name,
                param_in="header",
                schema=Schema(type=_STRING),
                description=text,
                required=True,
            )
            for name, text in _HEADERS.items()
        ],
    )


def webhooks() -> dict[str, PathItem]:
    """One entry per event, named by the event."""
    return {event: PathItem(post=_operation(event)) for event in sorted(EVENTS)}
