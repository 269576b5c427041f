"""Achievement administration for an issuer's admins: create, new versions, archive, image.

Every change makes a new version (``version`` in the answer); credentials already issued keep
what they were signed with, and their pages show the version they were issued under. The
picture is sent as the raw body of ``PUT …/image`` (``image/png`` or ``image/svg+xml``, at
most 1 MiB) and served from ``/images/<sha256>.<png|svg>``.
"""

from dataclasses import dataclass

from litestar import Request, patch, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath

from service.api.achievements import AchievementController
from service.api.bodies import UnsupportedMediaType, media_type, read_json
from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.catalogue.achievement_json import (
    AchievementIn,
    AchievementOut,
    AchievementPatchIn,
)
from service.domain.catalogue.images import (
    MAX_IMAGE_BYTES,
    MEDIA_TYPES,
    accept_image,
    recognised_type,
)
from service.domain.clients.clients import Principal
from service.domain.portfolios.badge_pages import PICTURES
from service.domain.texts import Said
from service.runtime import Runtime

MAX_BODY_BYTES = 512 * 1024

OCTET_STREAM = "application/octet-stream"


def _describe_new(data: AchievementIn) -> None:
    """Never called: its ``data`` is the body the OpenAPI shows (read by `service.api.bodies`)."""


def _describe_patch(data: AchievementPatchIn) -> None:
    """Never called: as `_describe_new`, for the patch body."""


@dataclass
class ImageUpload(Operation):
    """The raw picture as the request body (Litestar cannot see it)."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
        # Generators send raw bytes as application/octet-stream only (openapi-python-client
        # skips an operation with any other binary type); image/png and image/svg+xml work too.
        self.request_body = RequestBody(
            content={OCTET_STREAM: OpenAPIMediaType(schema=binary)},
            description=(
                f"a PNG (at most 4096×4096) or an SVG, at most {MAX_IMAGE_BYTES} bytes; sent "
                f"as {OCTET_STREAM} its type is recognised from the bytes; "
                f"{' or '.join(MEDIA_TYPES)} may be sent instead"
            ),
            required=True,
        )


ADMIN = {"principal": requires("admin")}


class AchievementAdminController(AchievementController):
    """The public catalogue's routes, and its administration (one controller: one path)."""

    @post(
        operation_id="CreateAchievement",
        status_code=201,
        request_max_body_size=MAX_BODY_BYTES,
        tags=["Administration"],
        dependencies={**ADMIN, "documented_body": Provide(_describe_new, sync_to_thread=False)},
        responses=problems(401, 403, 409, 413, 415, 422),
    )
    async def create(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> AchievementOut:
        """Create an achievement (version 1) of one of the caller's issuers."""
        data = await read_json(request, AchievementIn)
        async with runtime.write(principal) as services:
            created = await services.achievement_admin.create(
                data.issuer, data.to_domain(), actor=principal.client_id
            )
        return AchievementOut.from_domain(created)

    @patch(
        "/{slug:str}",
        operation_id="UpdateAchievement",
        request_max_body_size=MAX_BODY_BYTES,
        tags=["Administration"],
        dependencies={**ADMIN, "documented_body": Provide(_describe_patch, sync_to_thread=False)},
        responses=problems(401, 403, 404, 409, 413, 415, 422),
    )
    async def update(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> AchievementOut:
        """A new version (slug or id); credentials issued before keep the version they had."""
        data = await read_json(request, AchievementPatchIn)
        async with runtime.write(principal) as services:
            updated = await services.achievement_admin.update(
                slug, data.to_domain(), actor=principal.client_id
            )
        return AchievementOut.from_domain(updated)

    @post(
        "/{slug:str}/archive",
        operation_id="ArchiveAchievement",
        status_code=200,
        tags=["Administration"],
        dependencies=ADMIN,
        responses=problems(401, 403, 404),
    )
    async def archive(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> AchievementOut:
        """Stop accepting completions; its document and its badges still resolve and verify."""
        async with runtime.write(principal) as services:
            archived = await services.achievement_admin.archive(slug, actor=principal.client_id)
        return AchievementOut.from_domain(archived)

    @put(
        "/{slug:str}/image",
        operation_id="SetAchievementImage",
        operation_class=ImageUpload,
        tags=["Administration"],
        dependencies=ADMIN,
        request_max_body_size=MAX_IMAGE_BYTES,
        responses=problems(401, 403, 404, 409, 413, 415, 422),
    )
    async def set_image(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> AchievementOut:
        """Upload the badge's picture (raw body: PNG or SVG, sanitised); a new version."""
        kind = media_type(request)
        if kind not in (*MEDIA_TYPES, OCTET_STREAM):
            raise UnsupportedMediaType(Said("picture-media-type", got=kind or "none"))
        content = await request.body()
        if kind == OCTET_STREAM:
            kind = recognised_type(content)
        async with runtime.read(principal) as services:
            await services.achievement_admin.show(slug)  # 404 before any work on the picture
        # Up to 0.4 s of CPU for an SVG of 1 MiB: on the pictures' threads, and no unit open.
        image = await PICTURES.run(accept_image, content, kind)
        async with runtime.write(principal) as services:
            changed = await services.achievement_admin.set_image(
                slug, image, actor=principal.client_id
            )
        return AchievementOut.from_domain(changed)
