"""Issuers (organisations) for their admins: create, read, update, list.

Each issuer is published as an OB 3.0 Profile at its id (``GET /issuers/{slug}``); the
routes here are the admin view, which names the parent organisation by slug.
"""

from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.clients.clients import Principal
from service.domain.issuers.admin import (
    MAX_DESCRIPTION,
    MAX_EMAIL,
    MAX_NAME,
    MAX_URL,
    AdministeredIssuer,
    NewIssuer,
)
from service.logos import fetch_logo
from service.runtime import Runtime

Slug = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$", examples=["reseau-estrie"])
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME, examples=["Réseau Estrie"])]
WebUrl = Annotated[
    str,
    msgspec.Meta(
        max_length=MAX_URL,
        description="an absolute http(s) URL",
        examples=["https://reseau-estrie.exemple.qc.ca"],
    ),
]
ImageUrl = Annotated[
    str,
    msgspec.Meta(
        max_length=MAX_URL,
        description="an https URL of the logo (PNG or SVG, 1 MiB at most): fetched once, "
        "sanitised and served from /images/…",
        examples=["https://reseau-estrie.exemple.qc.ca/logo.png"],
    ),
]
Email = Annotated[
    str, msgspec.Meta(max_length=MAX_EMAIL, examples=["badges@reseau-estrie.exemple.qc.ca"])
]
Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION)]
Parent = Annotated[str, msgspec.Meta(max_length=100, description="an issuer's slug")]


class IssuerIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    slug: Slug
    name: Name
    url: WebUrl
    email: Email
    description: Description | None = None
    image: ImageUrl | None = None
    parent_organisation: Parent | None = None

    def to_domain(self) -> NewIssuer:
        return NewIssuer(
            slug=self.slug,
            name=self.name,
            url=self.url,
            email=self.email,
            description=self.description,
            image=self.image,
            parent=self.parent_organisation,
        )


class IssuerPatchIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """Only the fields sent change; null clears an optional one."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    url: WebUrl | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    image: ImageUrl | msgspec.UnsetType | None = msgspec.UNSET
    parent_organisation: Parent | msgspec.UnsetType | None = msgspec.UNSET

    def to_domain(self) -> dict[str, str | None]:
        """The fields sent, by their JSON names."""
        return {
            field.encode_name: value
            for field in msgspec.structs.fields(self)
            if (value := getattr(self, field.name)) is not msgspec.UNSET
        }


class IssuerOut(msgspec.Struct, kw_only=True, rename="camel"):
    slug: str
    id: Annotated[str, msgspec.Meta(description="the issuer's did:web, its Profile's id")]
    name: str
    url: str
    email: str
    description: str | None
    image: str | None
    parent_organisation: Annotated[str | None, msgspec.Meta(description="the parent's slug")]

    @classmethod
    def from_domain(cls, issuer: AdministeredIssuer) -> "IssuerOut":
        profile = issuer.profile
        return cls(
            slug=profile.slug,
            id=profile.did,
            name=profile.name,
            url=profile.url,
            email=profile.email,
            description=profile.description,
            image=profile.image_url,
            parent_organisation=issuer.parent,
        )


class IssuerAdminController(Controller):
    path = "/api/v1/issuers"
    tags = ["Administration"]
    dependencies = {"principal": requires("admin")}

    @post(operation_id="CreateIssuer", status_code=201, responses=problems(401, 403, 409, 422))
    async def create(
        self,
        data: JSONBody[IssuerIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> IssuerOut:
        """Create an issuer and its signing keys; the calling client then administers it.

        A logo URL is fetched once and served from ``/images/…`` (``image`` is then that URL).
        """
        logo = await fetch_logo(runtime, data.image)
        async with runtime.write(principal) as services:
            issuer = await services.issuer_admin.create(
                data.to_domain(), actor=principal.client_id, logo=logo
            )
        return IssuerOut.from_domain(issuer)

    @get(operation_id="ListIssuers", responses=problems(401, 403))
    async def list_issuers(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> list[IssuerOut]:
        """The issuers the caller administers, by slug."""
        async with runtime.read(principal) as services:
            return [IssuerOut.from_domain(i) for i in await services.issuer_admin.issuers()]

    @get("/{slug:str}", operation_id="GetIssuer", responses=problems(401, 403, 404))
    async def get_issuer(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> IssuerOut:
        """One issuer the caller administers."""
        async with runtime.read(principal) as services:
            return IssuerOut.from_domain(await services.issuer_admin.get(slug))

    @patch("/{slug:str}", operation_id="UpdateIssuer", responses=problems(401, 403, 404, 422))
    async def update(
        self,
        data: JSONBody[IssuerPatchIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> IssuerOut:
        """Change an issuer's profile; badges issued before keep the one they were signed with.

        A logo URL is fetched once and served from ``/images/…`` (``image`` is then that URL).
        """
        changes = data.to_domain()
        logo = await fetch_logo(runtime, changes.get("image"))
        async with runtime.write(principal) as services:
            issuer = await services.issuer_admin.update(
                slug, changes, actor=principal.client_id, logo=logo
            )
        return IssuerOut.from_domain(issuer)
