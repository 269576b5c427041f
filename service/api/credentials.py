"""Issued credentials: for clients through the API, and public at their own URL."""

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter

from service.api.completions import AwardOut
from service.api.dependencies import requires
from service.api.errors import problems
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

    @get("/{credential_id:uuid}", operation_id="GetCredential", responses=problems(401, 403, 404))
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

    @get("/{reference:str}", operation_id="ShowCredential", responses=problems(404))
    async def show(
        self,
        request: Request[object, object, State],
        awards: NamedDependency[AwardService],
        reference: Annotated[
            str, PathParameter(description="the credential id, optionally ending in .json or .jwt")
        ],
    ) -> Response[object]:
        """The signed credential: JSON-LD, or a VC-JWT (``.jwt`` or ``Accept: application/jwt``)."""
        credential_id, suffix = _parse_reference(reference)
        award = await _award(awards, credential_id)
        if suffix == ".jwt":
            return Response(award.jwt, media_type=VC_JWT)
        if suffix == ".json" or "accept" not in request.headers:
            return Response(award.document, media_type=VC_LD)
        best = request.accept.best_match([*_JSON_TYPES, *_JWT_TYPES], default=VC_LD)
        if best in _JWT_TYPES:
            return Response(award.jwt, media_type=best)
        return Response(award.document, media_type=best or VC_LD)


def _parse_reference(reference: str) -> tuple[uuid.UUID, str]:
    stem, dot, suffix = reference.partition(".")
    if dot and f".{suffix}" not in (".json", ".jwt"):
        raise NotFound("no such credential")
    try:
        return uuid.UUID(stem), f".{suffix}" if dot else ""
    except ValueError:
        raise NotFound("no such credential") from None


class EvidenceController(Controller):
    path = "/evidence"
    tags = ["Credentials"]
    dependencies = {"principal": requires("credentials:read")}

    @get(
        "/{evidence_id:uuid}",
        operation_id="GetEvidence",
        responses=problems(401, 403, 404),
        media_type="text/plain; charset=utf-8",
    )
    async def get_evidence(
        self,
        awards: NamedDependency[AwardService],
        principal: NamedDependency[Principal],
        evidence_id: FromPath[uuid.UUID],
    ) -> str:
        """A private reflection, for authorised clients; its bytes match the evidence digestSRI."""
        del principal  # authorisation only
        return await awards.evidence_text(evidence_id)
