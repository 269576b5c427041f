"""Uploaded pictures, public: named by their content, so cached for good."""

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from service.api.errors import problems
from service.domain.catalogue.images import SVG
from service.domain.errors import NotFound
from service.domain.texts import Said
from service.runtime import Runtime

IMMUTABLE = "public, max-age=31536000, immutable"
# An SVG opened on its own must run nothing and load nothing (it was sanitised; this is the
# second line).
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


class ImageController(Controller):
    tags = ["Public"]

    @get(
        "/images/{name:str}",
        operation_id="GetImage",
        responses=problems(404),
        media_type="application/octet-stream",
    )
    async def image(
        self, runtime: NamedDependency[Runtime], name: FromPath[str]
    ) -> Response[bytes]:
        """An uploaded badge picture, ``<sha256>.png`` or ``<sha256>.svg``."""
        sha256, _, extension = name.partition(".")
        async with runtime.read() as services:
            image = await services.images.get(sha256.lower()) if len(sha256) == 64 else None
        if image is None or image.extension != extension:
            raise NotFound(Said("no-such-image"))
        headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
        if image.media_type == SVG:
            headers["Content-Security-Policy"] = SVG_POLICY
        return Response(image.content, media_type=image.media_type, headers=headers)
