"""The audit trail of the issuers an admin client administers."""

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.clients.audit_log import MAX_PAGE, AuditEvent, AuditFilter, AuditPage
from service.domain.clients.clients import Principal
from service.runtime import Runtime

Text = Annotated[str | None, QueryParameter(max_length=200)]


class AuditEventOut(msgspec.Struct, kw_only=True, rename="camel"):
    id: str
    at: datetime
    actor: str
    kind: str
    subject: str
    issuer: str | None
    detail: dict[str, Any]

    @classmethod
    def from_domain(cls, event: AuditEvent) -> "AuditEventOut":
        return cls(
            id=str(event.id),
            at=event.at,
            actor=event.actor,
            kind=event.action,
            subject=event.subject,
            issuer=event.issuer,
            detail=event.detail,
        )


class AuditPageOut(msgspec.Struct, kw_only=True, rename="camel"):
    events: list[AuditEventOut]
    next_cursor: str | None

    @classmethod
    def from_domain(cls, page: AuditPage) -> "AuditPageOut":
        return cls(
            events=[AuditEventOut.from_domain(e) for e in page.events],
            next_cursor=page.next_cursor,
        )


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["Administration"]
    dependencies = {"principal": requires("admin")}

    @get(operation_id="ListAuditEvents", responses=problems(401, 403, 422))
    async def list_events(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        issuer: Text = None,
        actor: Text = None,
        kind: Annotated[str | None, QueryParameter(description="e.g. credential.revoked")] = None,
        after: Annotated[datetime | None, QueryParameter(description="RFC 3339")] = None,
        before: Annotated[datetime | None, QueryParameter(description="RFC 3339")] = None,
        cursor: Text = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
    ) -> AuditPageOut:
        """Events of the caller's issuers, newest first, by cursor pages."""
        where = AuditFilter(issuer=issuer, actor=actor, action=kind, after=after, before=before)
        async with runtime.read(principal) as services:
            page = await services.audit.page(where, cursor=cursor, limit=limit)
        return AuditPageOut.from_domain(page)
