"""API clients (training platforms) for the admins of their issuers; secrets shown once."""

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.clients.admin import MAX_PAGE, ClientPage, ClientView, CreatedClient
from service.domain.clients.clients import SCOPES, NewClient, Principal
from service.runtime import Runtime

Scope = Annotated[str, msgspec.Meta(max_length=50, examples=sorted(SCOPES))]
IssuerSlug = Annotated[str, msgspec.Meta(max_length=100, examples=["reseau-demo"])]
Secret = Annotated[str, msgspec.Meta(description="shown once: keep it now")]


class ClientIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    name: Annotated[
        str, msgspec.Meta(min_length=1, max_length=300, examples=["Moodle du CSS de l'Estrie"])
    ]
    scopes: Annotated[
        list[Scope],
        msgspec.Meta(min_length=1, max_length=len(SCOPES), description="only scopes you hold"),
    ]
    issuers: Annotated[
        list[IssuerSlug],
        msgspec.Meta(min_length=1, max_length=100, description="issuers you administer"),
    ]


class ClientOut(msgspec.Struct, kw_only=True, rename="camel"):
    client_id: str
    name: str
    scopes: list[str]
    issuers: list[str]
    created_at: datetime
    disabled_at: datetime | None

    @classmethod
    def from_domain(cls, client: ClientView) -> "ClientOut":
        return cls(
            client_id=client.client_id,
            name=client.name,
            scopes=list(client.scopes),
            issuers=list(client.issuers),
            created_at=client.created_at,
            disabled_at=client.disabled_at,
        )


class NewClientOut(ClientOut, kw_only=True, rename="camel"):
    client_secret: Secret

    @classmethod
    def from_created(cls, created: CreatedClient) -> "NewClientOut":
        return cls(
            **msgspec.structs.asdict(ClientOut.from_domain(created.client)),
            client_secret=created.secret,
        )


class SecretOut(msgspec.Struct, kw_only=True, rename="camel"):
    client_id: str
    client_secret: Secret

    @classmethod
    def from_domain(cls, new: NewClient) -> "SecretOut":
        return cls(client_id=new.client_id, client_secret=new.client_secret)


class ClientPageOut(msgspec.Struct, kw_only=True, rename="camel"):
    items: list[ClientOut]
    next_cursor: Annotated[str | None, msgspec.Meta(description="pass as ?cursor= for more")]

    @classmethod
    def from_domain(cls, page: ClientPage) -> "ClientPageOut":
        return cls(
            items=[ClientOut.from_domain(c) for c in page.items], next_cursor=page.next_cursor
        )


class ClientController(Controller):
    path = "/api/v1/clients"
    tags = ["Administration"]
    dependencies = {"principal": requires("admin")}

    @post(operation_id="CreateClient", status_code=201, responses=problems(401, 403, 422))
    async def create(
        self,
        data: JSONBody[ClientIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> NewClientOut:
        """Create a client for issuers you administer; its secret is shown this once."""
        async with runtime.write(principal) as services:
            created = await services.client_admin.create(
                name=data.name,
                scopes=set(data.scopes),
                issuers=set(data.issuers),
                actor=principal.client_id,
            )
        return NewClientOut.from_created(created)

    @get(operation_id="ListClients", responses=problems(401, 403, 422))
    async def list_clients(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
    ) -> ClientPageOut:
        """Clients all of whose issuers you administer, newest first, by cursor pages."""
        async with runtime.read(principal) as services:
            page = await services.client_admin.page(cursor=cursor, limit=limit)
        return ClientPageOut.from_domain(page)

    @get("/{client_id:str}", operation_id="GetClient", responses=problems(401, 403, 404))
    async def get_client(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        client_id: FromPath[str],
    ) -> ClientOut:
        """One client (never its secret)."""
        async with runtime.read(principal) as services:
            return ClientOut.from_domain(await services.client_admin.get(client_id))

    @post(
        "/{client_id:str}/disable",
        operation_id="DisableClient",
        status_code=200,
        responses=problems(401, 403, 404),
    )
    async def disable(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        client_id: FromPath[str],
    ) -> ClientOut:
        """Stop a client: its secret and every token it holds stop working at once."""
        async with runtime.write(principal) as services:
            client = await services.client_admin.disable(client_id, actor=principal.client_id)
        return ClientOut.from_domain(client)

    @post(
        "/{client_id:str}/renew-secret",
        operation_id="RenewClientSecret",
        status_code=200,
        responses=problems(401, 403, 404),
    )
    async def renew_secret(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        client_id: FromPath[str],
    ) -> SecretOut:
        """A new secret, shown once; the old one and the tokens issued with it stop working."""
        async with runtime.write(principal) as services:
            renewed = await services.client_admin.renew_secret(client_id, actor=principal.client_id)
        return SecretOut.from_domain(renewed)
