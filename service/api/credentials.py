"""Issued credentials: for clients through the API, and public at their own URL."""

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, PathParameter

from service.api.completions import AwardOut
from service.api.contract import JSON_LD_TYPES, JWT_TYPES, CredentialOperation
from service.api.dependencies import optional_principal, requires
from service.api.errors import BROWSER_ERRORS, problems
from service.domain.clients.clients import Principal
from service.domain.credentials.awards import Award
from service.domain.errors import NotFound
from service.domain.texts import Said
from service.negotiation import html_faces, vary, wants_html
from service.runtime import Runtime

VC_LD, VC_JWT = JSON_LD_TYPES[0], JWT_TYPES[0]
_JSON_TYPES, _JWT_TYPES = JSON_LD_TYPES, JWT_TYPES
BAKED_CACHE = "public, max-age=86400"  # the signed text never changes; its status is online
_MEDIA = {".png": "image/png", ".svg": "image/svg+xml"}


async def _award(runtime: Runtime, credential_id: uuid.UUID) -> Award:
    async with runtime.read() as services:
        award = await services.awards.get(credential_id)
    if award is None:
        raise NotFound(Said("no-such-credential"))
    return award


async def baked_image(
    runtime: Runtime, credential_id: uuid.UUID, suffix: Literal[".png", ".svg"]
) -> Response[bytes]:
    """The badge picture with the signed credential baked in: extracting it gives it back."""
    async with runtime.read() as services:
        picture = await services.badge_pages.baked(
            credential_id, "png" if suffix == ".png" else "svg"
        )
    return Response(
        await picture.draw(),  # the unit closed: no connection held while it waits its turn
        media_type=_MEDIA[suffix],
        headers={
            "Cache-Control": BAKED_CACHE,
            "Content-Disposition": f'inline; filename="badge-{credential_id}{suffix}"',
        },
    )


class ManageLinkOut(msgspec.Struct, kw_only=True, rename="camel"):
    manage_url: Annotated[
        str, msgspec.Meta(description="the earner's private management link (a secret)")
    ]


class CredentialApiController(Controller):
    path = "/api/v1/credentials"
    tags = ["Credentials"]
    dependencies = {"principal": requires("credentials:read")}

    @get("/{credential_id:uuid}", operation_id="GetCredential", responses=problems(401, 403, 404))
    async def get_credential(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        credential_id: FromPath[uuid.UUID],
    ) -> AwardOut:
        """The stored credential (JSON-LD and JWT) with its status, for the issuer's platforms."""
        async with runtime.read(principal) as services:
            return AwardOut.from_domain(await services.awards.get_record(credential_id))

    @post(
        "/{credential_id:uuid}/manage-link",
        operation_id="RenewManageLink",
        status_code=200,
        responses=problems(401, 403, 404),
    )
    async def renew(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        credential_id: FromPath[uuid.UUID],
    ) -> ManageLinkOut:
        """A fresh management link for the earner; the previous one stops working."""
        async with runtime.write(principal) as services:
            return ManageLinkOut(
                manage_url=await services.earner_controls.renew_link(credential_id)
            )


class PublicCredentialController(Controller):
    path = "/credentials"
    tags = ["Public"]

    @get(
        "/{reference:str}",
        operation_id="ShowCredential",
        responses=problems(404),
        operation_class=CredentialOperation,
        exception_handlers=BROWSER_ERRORS,
        after_request=vary,
    )
    async def show(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        reference: Annotated[
            str,
            PathParameter(
                description="the credential id, optionally ending in .json, .jwt, .png or .svg"
            ),
        ],
    ) -> Response[Any]:
        """The signed credential: JSON-LD, a VC-JWT, a baked image, or the badge page (HTML)."""
        ref = runtime.urls.parse_credential(reference)
        if ref is None:
            raise NotFound(Said("no-such-credential"))
        if ref.suffix in (".png", ".svg"):
            return await baked_image(runtime, ref.id, ".png" if ref.suffix == ".png" else ".svg")
        if ref.suffix == "" and wants_html(request):
            return await html_faces(request).credential(request, runtime, ref.id)
        award = await _award(runtime, ref.id)
        if ref.suffix == ".jwt":
            return Response(award.jwt, media_type=VC_JWT)
        if ref.suffix == ".json" or "accept" not in request.headers:
            return Response(award.signed_json, media_type=VC_LD)
        best = request.accept.best_match([*_JSON_TYPES, *_JWT_TYPES], default=VC_LD)
        if best in _JWT_TYPES:
            return Response(award.jwt, media_type=best)
        return Response(award.signed_json, media_type=best or VC_LD)


class EvidenceController(Controller):
    path = "/evidence"
    tags = ["Credentials"]
    dependencies = {"principal": Provide(optional_principal)}

    @get(
        "/{evidence_id:uuid}",
        operation_id="GetEvidence",
        responses=problems(401, 403, 404),
        media_type="text/plain; charset=utf-8",
    )
    async def get_evidence(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal | None],
        evidence_id: FromPath[uuid.UUID],
    ) -> str:
        """A reflection, public if the earner made it so, else for the issuer's platforms."""
        async with runtime.read(principal) as services:
            return await services.awards.evidence_text(evidence_id)
