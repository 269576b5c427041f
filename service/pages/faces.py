"""The HTML faces of URLs that machines read as documents: a badge, an achievement, an issuer.

The public controllers call these when a browser asks (``Accept: text/html``); JSON-LD stays
the default for everything else. Baked downloads (``.png``, ``.svg``) are served here too.
"""

import uuid
from typing import Literal

from litestar import Response
from litestar.response import Template

from service.domain.visibility import Viewer
from service.pages.views import (
    AnyRequest,
    achievement_page,
    credential_page,
    issuer_page,
)
from service.runtime import Runtime

BAKED_CACHE = "public, max-age=86400"  # the signed text never changes; its status is online
_MEDIA = {".png": "image/png", ".svg": "image/svg+xml"}


async def credential_face(
    request: AnyRequest, runtime: Runtime, credential_id: uuid.UUID
) -> Template:
    """The public badge page: reflections only when the visibility policy says so."""
    async with runtime.read() as services:
        page = await services.badge_pages.credential(credential_id, Viewer())
    return credential_page(request, page, runtime.urls)


async def achievement_face(request: AnyRequest, runtime: Runtime, slug: str) -> Template:
    async with runtime.read() as services:
        achievement = await services.badge_pages.achievement(slug)
    return achievement_page(request, achievement)


async def issuer_face(request: AnyRequest, runtime: Runtime, slug: str) -> Template:
    async with runtime.read() as services:
        issuer, achievements = await services.badge_pages.issuer(slug)
    return issuer_page(request, issuer, achievements)


async def baked_image(
    runtime: Runtime, credential_id: uuid.UUID, suffix: Literal[".png", ".svg"]
) -> Response[bytes]:
    """The badge picture with the signed credential baked in: extracting it gives it back."""
    async with runtime.read() as services:
        image = await services.badge_pages.baked(
            credential_id, "png" if suffix == ".png" else "svg"
        )
    return Response(
        image,
        media_type=_MEDIA[suffix],
        headers={
            "Cache-Control": BAKED_CACHE,
            "Content-Disposition": f'inline; filename="badge-{credential_id}{suffix}"',
        },
    )
