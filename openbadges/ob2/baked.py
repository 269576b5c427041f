"""Reading an OB 2.0 assertion baked into a PNG (``iTXt`` ``openbadges``) or an SVG.

https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html: a PNG
carries the assertion (JSON, a URL or a JWS) in an ``iTXt`` chunk with keyword ``openbadges``;
an SVG in an ``<openbadges:assertion>`` element (namespace http://openbadges.org), as its text
or, for a hosted assertion, its ``verify`` attribute.
"""

from openbadges.baking import decode_itxt_text, detect_image_kind, ob2_svg_assertions, png_chunks
from openbadges.errors import BakingError

__all__ = ["extract_ob2"]

_PNG_KEYWORD = b"openbadges"


def extract_ob2(image: bytes) -> str | None:
    """The OB 2.0 payload of a baked image (JSON text, URL or JWS), or None when it has none.

    Raises:
        BakingError: the image is malformed or holds several assertions.
    """
    if detect_image_kind(image) == "png":
        found = [
            decode_itxt_text(data)
            for kind, data in png_chunks(image)
            if kind == b"iTXt" and data.startswith(_PNG_KEYWORD + b"\0")
        ]
    else:
        found = ob2_svg_assertions(image)
    if len(found) > 1:
        raise BakingError("the image holds several OB 2.0 assertions")
    return found[0].strip() if found else None
