"""An issuer's signing keys, for its admins: rotate them, mark one compromised."""

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.clients.clients import Principal
from service.runtime import Runtime


class KeysOut(msgspec.Struct, kw_only=True, rename="camel"):
    issuer: str
    verification_methods: Annotated[
        list[str], msgspec.Meta(description="the new active keys (empty: none were made)")
    ]


class CompromiseIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    since: Annotated[
        datetime, msgspec.Meta(description="RFC 3339: proofs made from then on are refused")
    ]


class IssuerKeyController(Controller):
    path = "/api/v1/issuers/{slug:str}/keys"
    tags = ["Administration"]
    dependencies = {"principal": requires("admin")}

    @post(
        "/rotate",
        operation_id="RotateIssuerKeys",
        status_code=200,
        responses=problems(401, 403, 404),
    )
    async def rotate(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> KeysOut:
        """Make new active keys; retired ones stay published, so earlier badges still verify."""
        async with runtime.write(principal) as services:
            methods = await services.keys.rotate(slug, actor=principal.client_id)
        return KeysOut(issuer=slug, verification_methods=methods)

    @post(
        "/{key_name:str}/compromise",
        operation_id="MarkIssuerKeyCompromised",
        status_code=200,
        responses=problems(401, 403, 404, 422),
    )
    async def compromise(
        self,
        data: JSONBody[CompromiseIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
        key_name: FromPath[str],
    ) -> KeysOut:
        """Refuse the key's proofs from a date on; an active key is first rotated out."""
        async with runtime.write(principal) as services:
            methods = await services.keys.compromise(
                slug, key_name, data.since, actor=principal.client_id
            )
        return KeysOut(issuer=slug, verification_methods=methods)
