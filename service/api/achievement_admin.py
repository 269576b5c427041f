"""Achievement administration for an issuer's admins: create, new versions, archive, image.

Every change makes a new version (``version`` in the answer); credentials already issued keep
what they were signed with, and their pages show the version they were issued under. The
picture is sent as the raw body of ``PUT …/image`` (``image/png`` or ``image/svg+xml``, at
most 1 MiB) and served from ``/images/<sha256>.<png|svg>``.
"""

from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar import Request, patch, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath

from service.api.achievements import AchievementController, AchievementOut
from service.api.bodies import UnsupportedMediaType, media_type, read_json
from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.achievement_admin import AchievementChanges
from service.domain.achievements import Alignment, NewAchievement, Prompt
from service.domain.clients import Principal
from service.domain.definitions import MAX_ALIGNMENTS, MAX_ANSWER_LENGTH, MAX_PROMPTS, MAX_TAGS
from service.domain.images import MAX_IMAGE_BYTES, MEDIA_TYPES, recognised_type
from service.runtime import Runtime

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,199}$")]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
Line = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Length = Annotated[int, msgspec.Meta(ge=0, le=MAX_ANSWER_LENGTH)]
MAX_BODY_BYTES = 512 * 1024

OCTET_STREAM = "application/octet-stream"


class PromptTextIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    fr: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None


class PromptIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    key: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^[a-z0-9_-]{1,100}$",
            description="stable across versions",
            examples=["impact"],
        ),
    ]
    text: Annotated[PromptTextIn, msgspec.Meta(description="French required, English optional")]
    min_length: Length = 0
    max_length: Length = MAX_ANSWER_LENGTH
    required: bool = True

    def to_domain(self) -> Prompt:
        return Prompt(
            self.key, self.text.fr, self.min_length, self.max_length, self.required, self.text.en
        )


class AlignmentIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    framework: Line
    code: Annotated[str, msgspec.Meta(max_length=100)]
    name: Line
    url: Annotated[str, msgspec.Meta(max_length=500)]
    type: Annotated[
        str, msgspec.Meta(max_length=100, description="OB 3.0 targetType, or ext:<name>")
    ] = "CFItem"

    def to_domain(self) -> Alignment:
        return Alignment(self.framework, self.code, self.name, self.url, self.type)


Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Prompts = Annotated[list[PromptIn], msgspec.Meta(max_length=MAX_PROMPTS)]
Alignments = Annotated[list[AlignmentIn], msgspec.Meta(max_length=MAX_ALIGNMENTS)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=MAX_TAGS)]
Hours = Annotated[
    float,
    msgspec.Meta(
        gt=0,
        le=1000,
        description="continuing-education hours the training is worth, in quarter hours",
        examples=[3],
    ),
]


class AchievementIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    issuer: Annotated[str, msgspec.Meta(max_length=100, examples=["reseau-demo"])]
    slug: Slug
    name: Line
    description: Text
    criteria: Annotated[str, msgspec.Meta(min_length=1, max_length=20_000, description="Markdown")]
    track: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    level: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    level_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    in_language: Annotated[str, msgspec.Meta(min_length=2, max_length=35)] = "fr-CA"
    prompts: Prompts
    alignments: Alignments = msgspec.field(default_factory=list)
    tags: Tags = msgspec.field(default_factory=list)
    hours: Hours | None = None

    def to_domain(self) -> NewAchievement:
        return NewAchievement(
            slug=self.slug,
            track=self.track,
            level=self.level,
            level_name=self.level_name,
            name=self.name,
            description=self.description,
            criteria=self.criteria,
            in_language=self.in_language,
            prompts=tuple(p.to_domain() for p in self.prompts),
            alignments=tuple(a.to_domain() for a in self.alignments),
            tags=tuple(self.tags),
            hours=self.hours,
        )


class AchievementPatchIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """Only what changes; a list given replaces the whole list."""

    name: Line | None = None
    description: Text | None = None
    criteria: Text | None = None
    track: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    level: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None
    level_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    in_language: Annotated[str, msgspec.Meta(min_length=2, max_length=35)] | None = None
    prompts: Prompts | None = None
    alignments: Alignments | None = None
    tags: Tags | None = None
    hours: Hours | None = None

    def to_domain(self) -> AchievementChanges:
        return AchievementChanges(
            name=self.name,
            description=self.description,
            criteria=self.criteria,
            track=self.track,
            level=self.level,
            level_name=self.level_name,
            in_language=self.in_language,
            prompts=None if self.prompts is None else tuple(p.to_domain() for p in self.prompts),
            alignments=(
                None if self.alignments is None else tuple(a.to_domain() for a in self.alignments)
            ),
            tags=None if self.tags is None else tuple(self.tags),
            hours=self.hours,
        )


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
            raise UnsupportedMediaType(
                detail="send the picture as application/octet-stream, image/png or "
                f"image/svg+xml (got {kind or 'none'})"
            )
        content = await request.body()
        if kind == OCTET_STREAM:
            kind = recognised_type(content)
        async with runtime.write(principal) as services:
            changed = await services.achievement_admin.set_image(
                slug, content, kind, actor=principal.client_id
            )
        return AchievementOut.from_domain(changed)
