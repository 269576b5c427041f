"""The HTML faces of URLs that machines read as documents: a badge, an achievement, an issuer.

The public controllers call these when a browser asks (``Accept: text/html``); JSON-LD stays
the default for everything else.
"""

import uuid

from litestar.response import Template

from service.domain.clients.visibility import Viewer
from service.pages.views import (
    AnyRequest,
    achievement_page,
    credential_page,
    error_page,
    issuer_page,
)
from service.runtime import Runtime


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


class PageFaces:
    """The pages as `service.negotiation.HtmlFaces`, for the REST routes of negotiated URLs."""

    async def credential(
        self, request: AnyRequest, runtime: Runtime, credential_id: uuid.UUID
    ) -> Template:
        return await credential_face(request, runtime, credential_id)

    async def achievement(self, request: AnyRequest, runtime: Runtime, slug: str) -> Template:
        return await achievement_face(request, runtime, slug)

    async def issuer(self, request: AnyRequest, runtime: Runtime, slug: str) -> Template:
        return await issuer_face(request, runtime, slug)

    def error(self, request: AnyRequest, status_code: int) -> Template:
        return error_page(request, status_code)
