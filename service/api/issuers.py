"""What verifiers fetch: issuers' profiles, DID documents and JWKs, achievements, status lists."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter

from service.api.contract import JsonLdOperation
from service.api.errors import BROWSER_ERRORS, problems
from service.negotiation import AnyRequest, html_faces, vary, wants_html
from service.runtime import Runtime

LD_JSON = "application/ld+json"
# Verifiers must see a revocation right away: they may keep a copy but revalidate (ETag).
STATUS_CACHE = "public, no-cache"


class IssuerDocumentController(Controller):
    tags = ["Public"]

    @get(
        "/issuers/{slug:str}",
        operation_id="GetIssuerProfile",
        operation_class=JsonLdOperation,
        responses=problems(404),
        media_type=LD_JSON,
        exception_handlers=BROWSER_ERRORS,
        after_request=vary,
    )
    async def profile(
        self, request: AnyRequest, runtime: NamedDependency[Runtime], slug: FromPath[str]
    ) -> Response[Any]:
        """The issuer's Open Badges 3.0 Profile; browsers get the issuer's page."""
        if wants_html(request):
            return await html_faces(request).issuer(request, runtime, slug)
        async with runtime.read() as services:
            return Response(await services.issuers.profile_document(slug), media_type=LD_JSON)

    @get(
        "/issuers/{slug:str}/did.json",
        operation_id="GetIssuerDidDocument",
        responses=problems(404),
        media_type="application/did+json",
    )
    async def did_document(
        self, runtime: NamedDependency[Runtime], slug: FromPath[str]
    ) -> dict[str, Any]:
        """The issuer's did:web document: its keys, as assertion methods."""
        async with runtime.read() as services:
            return await services.issuers.controller_document(slug)

    @get(
        "/issuers/{slug:str}/keys/{name:str}",
        operation_id="GetIssuerJwk",
        responses=problems(404),
        media_type="application/jwk+json",
    )
    async def jwk(
        self, runtime: NamedDependency[Runtime], slug: FromPath[str], name: FromPath[str]
    ) -> dict[str, Any]:
        """One public key as a bare JWK: what a VC-JWT's ``kid`` points at."""
        async with runtime.read() as services:
            return await services.issuers.public_jwk(slug, name)

    @get(
        "/achievements/{slug:str}",
        operation_id="GetAchievementDocument",
        operation_class=JsonLdOperation,
        responses=problems(404),
        media_type=LD_JSON,
        exception_handlers=BROWSER_ERRORS,
        after_request=vary,
    )
    async def achievement(
        self, request: AnyRequest, runtime: NamedDependency[Runtime], slug: FromPath[str]
    ) -> Response[Any]:
        """The OB 3.0 Achievement a badge's ``achievement.id`` names; browsers get its page."""
        if wants_html(request):
            return await html_faces(request).achievement(request, runtime, slug)
        async with runtime.read() as services:
            document = await services.publications.achievement_document(slug)
        return Response(document, media_type=LD_JSON)

    @get(
        "/status/{list_id:uuid}",
        operation_id="GetStatusList",
        operation_class=JsonLdOperation,
        responses=problems(404),
        media_type="application/vc+ld+json",
    )
    async def status_list(
        self,
        runtime: NamedDependency[Runtime],
        list_id: FromPath[uuid.UUID],
        if_none_match: Annotated[
            str | None, HeaderParameter(name="If-None-Match", description="a previous ETag")
        ] = None,
    ) -> Response[bytes]:
        """A signed BitstringStatusListCredential (revocation bits), signed when a bit changes."""
        async with runtime.read() as services:
            published = await services.status_lists.published(list_id)
        headers = {"ETag": published.etag, "Cache-Control": STATUS_CACHE}
        if if_none_match and published.etag in (tag.strip() for tag in if_none_match.split(",")):
            return Response(b"", status_code=304, headers=headers)
        return Response(published.body, headers=headers)
