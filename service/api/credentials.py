"""Issued credentials: for clients through the API, and public at their own URL."""

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter

from service.api.completions import AwardOut
from service.api.dependencies import requires
from service.domain.awards import Award, AwardService
from service.domain.clients import Principal
from service.domain.errors import NotFound

VC_LD = "application/vc+ld+json"
VC_JWT = "application/vc+jwt"
_JSON_TYPES = (VC_LD, "application/ld+json", "application/json")
_JWT_TYPES = (VC_JWT, "application/jwt")


async def _award(
    awards: NamedDependency[AwardService], credential_id: FromPath[uuid.UUID]
) -> Award:
    award = await awards.get(credential_id)
    if award is None:
        raise NotFound("no such credential")
    return award


class CredentialApiController(Controller):
    path = "/api/v1/credentials"
    tags = ["Credentials"]
    dependencies = {"principal": requires("credentials:read")}

    @get("/{credential_id:uuid}", operation_id="GetCredential")
    async def get_credential(
        self,
        awards: NamedDependency[AwardService],
        principal: NamedDependency[Principal],
        credential_id: FromPath[uuid.UUID],
    ) -> AwardOut:
        """The stored credential (JSON-LD and JWT) with its status."""
        del principal  # authorisation only
        return AwardOut.from_domain(await _award(awards, credential_id))


class PublicCredentialController(Controller):
    path = "/credentials"
    tags = ["Public"]

    @get("/{credential_id:uuid}", operation_id="ShowCredential")
    async def show(
        self,
        request: Request[object, object, State],
        awards: NamedDependency[AwardService],
        credential_id: FromPath[uuid.UUID],
        accept: Annotated[str | None, HeaderParameter(name="Accept")] = None,
    ) -> Response[object]:
        """The signed credential: JSON-LD, or the VC-JWT for ``Accept: application/vc+jwt``."""
        award = await _award(awards, credential_id)
        best = (
            request.accept.best_match([*_JSON_TYPES, *_JWT_TYPES, "text/html"], default=VC_LD)
            if accept
            else VC_LD
        )
        if best in _JWT_TYPES:
            return Response(award.jwt, media_type=best)
        return Response(award.document, media_type=best if best in _JSON_TYPES else VC_LD)

    @get("/{credential_id:uuid}.json", operation_id="ShowCredentialJson", media_type=VC_LD)
    async def show_json(
        self, awards: NamedDependency[AwardService], credential_id: FromPath[uuid.UUID]
    ) -> dict[str, object]:
        """The signed credential as JSON-LD."""
        return (await _award(awards, credential_id)).document

    @get("/{credential_id:uuid}.jwt", operation_id="ShowCredentialJwt", media_type=VC_JWT)
    async def show_jwt(
        self, awards: NamedDependency[AwardService], credential_id: FromPath[uuid.UUID]
    ) -> str:
        """The credential as a VC-JWT."""
        return (await _award(awards, credential_id)).jwt
