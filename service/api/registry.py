"""The issued credentials of the issuers an admin client administers, filtered and paged."""

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.clients.clients import Principal
from service.domain.credentials.registry import MAX_PAGE, CredentialFilter, IssuedCredential, Page
from service.runtime import Runtime


class IssuedOut(msgspec.Struct, kw_only=True, rename="camel"):
    id: str
    url: str
    status: str
    status_reason: str | None
    issuer: str
    achievement: str
    email: str
    name: str
    external_id: str
    issued_at: datetime

    @classmethod
    def from_domain(cls, item: IssuedCredential) -> "IssuedOut":
        return cls(
            id=str(item.id),
            url=item.url,
            status=item.status,
            status_reason=item.status_reason,
            issuer=item.issuer,
            achievement=item.achievement,
            email=item.email,
            name=item.name,
            external_id=item.external_id,
            issued_at=item.issued_at,
        )


class IssuedPageOut(msgspec.Struct, kw_only=True, rename="camel"):
    items: list[IssuedOut]
    next_cursor: Annotated[str | None, msgspec.Meta(description="pass as ?cursor= for more")]

    @classmethod
    def from_domain(cls, page: Page) -> "IssuedPageOut":
        return cls(
            items=[IssuedOut.from_domain(item) for item in page.items],
            next_cursor=page.next_cursor,
        )


Text = Annotated[str | None, QueryParameter(max_length=320)]


class CredentialRegistryController(Controller):
    path = "/api/v1/credentials"
    tags = ["Administration"]
    dependencies = {"principal": requires("admin")}

    @get(operation_id="ListCredentials", responses=problems(401, 403, 422))
    async def list_credentials(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        issuer: Text = None,
        achievement: Text = None,
        email: Text = None,
        status: Annotated[
            str | None, QueryParameter(description="active, suspended or revoked")
        ] = None,
        issued_after: Annotated[
            datetime | None, QueryParameter(name="issuedAfter", description="RFC 3339")
        ] = None,
        issued_before: Annotated[
            datetime | None, QueryParameter(name="issuedBefore", description="RFC 3339")
        ] = None,
        cursor: Text = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
    ) -> IssuedPageOut:
        """Issued credentials of the caller's issuers, newest first, by cursor pages."""
        where = CredentialFilter(
            issuer=issuer,
            achievement=achievement,
            email=email,
            status=status,
            issued_after=issued_after,
            issued_before=issued_before,
        )
        async with runtime.read(principal) as services:
            page = await services.registry.list(where, cursor=cursor, limit=limit)
        return IssuedPageOut.from_domain(page)
