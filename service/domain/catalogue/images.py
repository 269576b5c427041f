"""Uploaded badge pictures: PNG checked by a real decoder, SVG parsed safely and sanitised.

A picture is stored once, named by the SHA-256 of what is kept (for SVG, the sanitised text),
and served from its own URL for good. SVG is filtered by svg-hush (Cloudflare's allowlist
sanitiser, through `py_svg_hush`): scripts, event handlers, ``foreignObject`` and external
references go; a second pass here keeps only fragment and ``data:`` image references, and
``url()`` in styles only when it names a fragment.
"""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Literal

# Serialising only: defusedxml parses.
from xml.etree.ElementTree import Element, ParseError, register_namespace, tostring

import defusedxml.ElementTree
import py_svg_hush
from defusedxml import DefusedXmlException
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.inserts import insert_ignoring_conflicts
from service.db.tables import ImageRecord
from service.domain.clock import Clock, utc_now
from service.domain.errors import FieldProblem, InvalidInput
from service.domain.texts import Said

MAX_IMAGE_BYTES = 1024 * 1024
MAX_SIDE = 4096  # pixels, each way
PNG = "image/png"
SVG = "image/svg+xml"
MEDIA_TYPES = (PNG, SVG)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_SVG_NS = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
_INLINE_IMAGES = {"image": ["png", "jpeg", "gif", "webp"]}  # raster only: no SVG inside SVG
_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


@dataclass(frozen=True)
class StoredImage:
    sha256: str
    media_type: str
    content: bytes

    @property
    def extension(self) -> Literal["png", "svg"]:
        return "png" if self.media_type == PNG else "svg"


def recognised_type(content: bytes) -> str:
    """The type of bytes sent as application/octet-stream: a PNG by its signature, else SVG.

    Whatever is not a PNG is then parsed as SVG, and refused if it is not one.
    """
    return PNG if content.startswith(PNG_MAGIC) else SVG


def accept_image(content: bytes, media_type: str) -> StoredImage:
    """The picture as it will be kept, or InvalidInput saying why it is refused."""
    if media_type not in MEDIA_TYPES:
        raise _refused(
            Said(
                "image-media-type",
                png=PNG,
                svg=SVG,
                got_en=media_type or "none",
                got_fr=media_type or "aucun",
            )
        )
    if len(content) > MAX_IMAGE_BYTES:
        raise _refused(Said("image-too-large", most=MAX_IMAGE_BYTES))
    kept = _checked_png(content) if media_type == PNG else sanitise_svg(content)
    return StoredImage(hashlib.sha256(kept).hexdigest(), media_type, kept)


def _checked_png(content: bytes) -> bytes:
    if not content.startswith(PNG_MAGIC):
        raise _refused(Said("image-not-png"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=["PNG"]) as image:
                width, height = image.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise _refused(
                        Said("image-too-wide", width=width, height=height, most=MAX_SIDE)
                    )
                image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _refused(Said("image-png-invalid", reason=type(error).__name__)) from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _refused(Said("image-too-many-pixels", most=MAX_SIDE)) from None
    return content


def sanitise_svg(content: bytes) -> bytes:
    """The SVG with nothing active or external left in it; InvalidInput when it is no SVG."""
    root = _parse(content)
    if root.tag != f"{_SVG_NS}svg":
        raise _refused(Said("image-not-svg"))
    try:
        filtered = py_svg_hush.filter_svg(content, keep_data_url_mime_types=_INLINE_IMAGES)
    except ValueError as error:
        raise _refused(Said("image-svg-unsanitisable", reason=str(error))) from None
    tree = _parse(filtered)
    _drop_external(tree)
    register_namespace("", _SVG_NS[1:-1])  # write <svg xmlns=…>, not <ns0:svg> (idempotent)
    return bytes(tostring(tree, encoding="utf-8"))


def _parse(content: bytes) -> Element:
    """Parsed with no DTD, no entity and no network (defusedxml)."""
    try:
        root: Element = defusedxml.ElementTree.fromstring(content, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as error:
        raise _refused(Said("image-xml-malformed", reason=type(error).__name__)) from None
    return root


def _drop_external(root: Element) -> None:
    """Second line: references other than fragments and inline images; url() outside them."""
    for element in root.iter():
        for name in ("href", _XLINK_HREF):
            value = element.get(name)
            if value is not None and not _is_internal(value):
                del element.attrib[name]
        style = element.get("style")
        if style is not None and not all(_is_fragment(u) for u in _URL.findall(style)):
            del element.attrib["style"]
        text = element.text or ""
        if element.tag == f"{_SVG_NS}style" and not all(map(_is_fragment, _URL.findall(text))):
            element.text = ""


def _is_internal(reference: str) -> bool:
    return _is_fragment(reference) or bool(_DATA_IMAGE.match(reference.strip()))


def _is_fragment(reference: str) -> bool:
    return reference.strip().startswith("#") and len(reference.strip()) > 1


def _refused(message: Said) -> InvalidInput:
    return InvalidInput([FieldProblem("image", message)])


class ImageService:
    def __init__(self, session: AsyncSession, clock: Clock = utc_now) -> None:
        self._session = session
        self._clock = clock

    async def store(self, image: StoredImage) -> None:
        """Keep `image` once.

        The same content has the same name, so a clash (a concurrent upload of the same
        picture) is the same row, and is ignored: one statement, no read first.
        """
        await insert_ignoring_conflicts(
            self._session,
            ImageRecord,
            {
                "sha256": image.sha256,
                "media_type": image.media_type,
                "content": image.content,
                "created_at": self._clock(),
            },
            ["sha256"],
            key="sha256",
        )

    async def get(self, sha256: str) -> StoredImage | None:
        record = await self._session.scalar(select(ImageRecord).where(ImageRecord.sha256 == sha256))
        if record is None:
            return None
        return StoredImage(record.sha256, record.media_type, record.content)
