"""Training tracks for an issuer's admins: ordered levels, and whether each needs the last."""

from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.catalogue.tracks import Track
from service.domain.clients.clients import Principal
from service.runtime import Runtime

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,199}$")]


class TrackIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    slug: Slug
    issuer: Annotated[str, msgspec.Meta(max_length=100, examples=["reseau-demo"])]
    name: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=200,
            description="the achievements' track",
            examples=["Leadership pédagonumérique"],
        ),
    ]
    requires_previous_level: bool = False


class TrackPatchIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    requires_previous_level: bool | None = None


class TrackOut(msgspec.Struct, kw_only=True, rename="camel"):
    slug: str
    issuer: str
    name: str
    requires_previous_level: bool

    @classmethod
    def from_domain(cls, track: Track) -> "TrackOut":
        return cls(
            slug=track.slug,
            issuer=track.issuer,
            name=track.name,
            requires_previous_level=track.requires_previous_level,
        )


class TrackController(Controller):
    path = "/api/v1/tracks"
    tags = ["Administration"]
    dependencies = {"principal": requires("admin")}

    @post(operation_id="CreateTrack", status_code=201, responses=problems(401, 403, 409, 422))
    async def create(
        self,
        data: JSONBody[TrackIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> TrackOut:
        """Create a track of one of the caller's issuers."""
        async with runtime.write(principal) as services:
            track = await services.tracks.create(
                **msgspec.structs.asdict(data), actor=principal.client_id
            )
        return TrackOut.from_domain(track)

    @patch("/{slug:str}", operation_id="UpdateTrack", responses=problems(401, 403, 404, 422))
    async def update(
        self,
        data: JSONBody[TrackPatchIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> TrackOut:
        """Change whether a level requires the one below it."""
        async with runtime.write(principal) as services:
            track = await services.tracks.update(
                slug,
                requires_previous_level=data.requires_previous_level,
                actor=principal.client_id,
            )
        return TrackOut.from_domain(track)

    @get(operation_id="ListTracks", responses=problems(401, 403))
    async def list_tracks(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> list[TrackOut]:
        """The tracks of the caller's issuers."""
        async with runtime.read(principal) as services:
            return [TrackOut.from_domain(t) for t in await services.tracks.tracks()]
