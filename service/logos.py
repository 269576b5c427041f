"""Issuer logos given as URLs: fetched once through the safe fetcher, then kept and served by us.

A page that showed a logo from the issuer's own site would make every reader's browser, the
earner's private manage page included, call a third party. So a logo URL is fetched when it
is given, through the outbound client (HTTPS, public addresses only, size cap, deadlines),
checked and sanitised exactly like an uploaded picture (`service.domain.catalogue.images`), stored,
and the issuer's ``image`` becomes its ``/images/…`` URL. The fetch happens before the write
unit opens: no network call inside a transaction.
"""

from service.domain.catalogue.images import (
    MAX_IMAGE_BYTES,
    PNG,
    PNG_MAGIC,
    SVG,
    StoredImage,
    accept_image,
)
from service.domain.errors import FieldProblem, InvalidInput
from service.domain.portfolios.badge_pages import PICTURES
from service.domain.texts import Said
from service.outbound import FetchError
from service.runtime import Runtime


async def fetch_logo(runtime: Runtime, url: str | None) -> StoredImage | None:
    """The picture at `url`, checked; None when there is nothing to fetch (none, or ours)."""
    if url is None or runtime.urls.is_own_image(url):
        return None
    try:
        content, media_type = await runtime.fetcher.get_image(url.strip(), MAX_IMAGE_BYTES)
    except FetchError as error:
        raise InvalidInput(
            [FieldProblem("image", Said("image-fetch-failed", reason=error.said))]
        ) from None
    # Up to 0.4 s of CPU for an SVG of 1 MiB: on the pictures' threads, callers in turn.
    return await PICTURES.run(accept_image, content, _media_type(content, media_type))


def _media_type(content: bytes, declared: str) -> str:
    """The declared type; when it is vague (none, bytes, XML), what the first bytes say."""
    if declared not in _VAGUE:
        return declared  # accept_image refuses anything but PNG and SVG, saying so
    if content.startswith(PNG_MAGIC):
        return PNG
    return SVG  # sanitise_svg refuses what is not an SVG document


_VAGUE = frozenset({"", "application/octet-stream", "text/plain", "text/xml", "application/xml"})
