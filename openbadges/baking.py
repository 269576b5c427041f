"""Bake an Open Badges 3.0 credential into a PNG or SVG image, and extract it again.

Spec: Open Badges 3.0 "Baked Badge", https://www.imsglobal.org/spec/ob/v3p0/#baked-badge

The image is untrusted input: everything here fails with `BakingError` on malformed,
oversized or hostile bytes, reads at most `max_bytes`, and never touches the network.
"""

import base64
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Final, Literal, TypeVar

import msgspec
import png
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from openbadges.errors import BakingError
from openbadges.jsontypes import JSONObject, dumps, loads

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_PNG_CHUNKS",
    "OPENBADGES_SVG_NAMESPACE",
    "PNG_KEYWORD",
    "ImageKind",
    "bake",
    "decode_itxt_text",
    "detect_image_kind",
    "extract",
    "ob2_svg_assertions",
    "png_chunks",
    "svg_scans_kept",
]

ImageKind = Literal["png", "svg"]

MAX_IMAGE_BYTES: Final = 16 * 1024 * 1024
"""Default cap on the size of an image read or produced (the ``max_bytes`` keyword)."""

MAX_PNG_CHUNKS: Final = 10_000
"""PNGs with more chunks are refused: walking millions of empty chunks takes seconds."""

PNG_KEYWORD: Final = b"openbadgecredential"
"""Keyword of the ``iTXt`` chunk holding the credential (OB 3.0 #png-baking)."""

OPENBADGES_SVG_NAMESPACE: Final = "https://purl.imsglobal.org/ob/v3p0"
"""Namespace bound to the ``openbadges`` prefix in a baked SVG (OB 3.0 #svg-baking)."""

_SVG_ROOT: Final = "{http://www.w3.org/2000/svg}svg"
_CREDENTIAL_TAG: Final = "{" + OPENBADGES_SVG_NAMESPACE + "}credential"
_OB2_ASSERTION_TAG: Final = "{http://openbadges.org}assertion"  # OB 2.0 baking
_NAMESPACE_ATTRIBUTE: Final = f' xmlns:openbadges="{OPENBADGES_SVG_NAMESPACE}"'.encode()
_JWS: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# A start tag runs to the first `>` outside a quoted attribute value (XML 1.0 §3.1);
# possessive quantifiers keep the match linear on hostile input.
_START_TAG: Final = re.compile(rb"<(?:[^\"'>]++|\"[^\"]*+\"|'[^']*+')*+>")
_XML_START: Final = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*+<")

_T = TypeVar("_T")


def detect_image_kind(image: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> ImageKind:
    """Tell whether `image` is a PNG (by its signature) or an SVG (XML whose root is ``svg:svg``).

    Spec: https://www.imsglobal.org/spec/ob/v3p0/#baked-badge (only PNG and SVG can be baked).

    Args:
        image: the image bytes; larger than `max_bytes` is refused.
        max_bytes: the size cap.

    Returns:
        ``"png"`` or ``"svg"``.

    Raises:
        BakingError: the image is too large, or neither a PNG nor a well-formed SVG.
    """
    _check_size(image, max_bytes)
    if image.startswith(png.signature):
        return "png"
    _scan_svg(image)
    return "svg"


def bake(image: bytes, credential: JSONObject | str, *, max_bytes: int = MAX_IMAGE_BYTES) -> bytes:
    """Embed `credential` in a PNG or SVG image, replacing any credential already baked in.

    A dict is a credential with an embedded proof, baked as its JSON; a str is a VC-JWT
    compact JWS, baked as is. PNG: one uncompressed ``iTXt`` chunk with keyword
    ``openbadgecredential``, placed just before ``IEND``. SVG: an ``<openbadges:credential>``
    element right after the ``<svg>`` start tag; every other byte of the SVG is kept.

    Spec: https://www.imsglobal.org/spec/ob/v3p0/#png-baking and
    https://www.imsglobal.org/spec/ob/v3p0/#svg-baking

    Args:
        image: a PNG or SVG (UTF-8) image.
        credential: the JSON-LD credential, or a compact JWS string.
        max_bytes: the input and the baked image may not be larger than this.

    Returns:
        The baked image, of the same kind as `image`.

    Raises:
        BakingError: the credential is neither a JSON object nor a compact JWS, or the image
            is too large, malformed, or neither PNG nor SVG.
    """
    _check_size(image, max_bytes)
    payload = _encode_credential(credential)
    if image.startswith(png.signature):
        baked = _bake_png(image, payload)
    else:
        baked = _bake_svg(image, _svg_element(payload, is_jws=isinstance(credential, str)))
    if len(baked) > max_bytes:
        raise BakingError(f"the baked image would exceed {max_bytes} bytes")
    return baked


def extract(image: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> JSONObject | str:
    """Read the one credential baked into a PNG or SVG image.

    Spec: https://www.imsglobal.org/spec/ob/v3p0/#png-extracting and
    https://www.imsglobal.org/spec/ob/v3p0/#svg-baking

    Args:
        image: a baked PNG or SVG image.
        max_bytes: larger images are refused.

    Returns:
        The credential as a dict (embedded proof) or the compact JWS string (VC-JWT).

    Raises:
        BakingError: the image is too large, malformed, neither PNG nor SVG, holds no
            credential or several, or the payload is neither a JSON object nor a JWS.
    """
    _check_size(image, max_bytes)
    if image.startswith(png.signature):
        return _extract_png(image)
    return _extract_svg(image)


def _check_size(image: object, max_bytes: int) -> None:
    if not isinstance(image, bytes):
        raise BakingError(f"expected the image as bytes, got {type(image).__name__}")
    if len(image) > max_bytes:
        raise BakingError(f"image of {len(image)} bytes exceeds the {max_bytes}-byte limit")


def _encode_credential(credential: object) -> bytes:
    if isinstance(credential, str):
        if not _is_compact_jws(credential):
            raise BakingError("a str credential must be a compact JWS (three base64url parts)")
        return credential.encode("ascii")
    if not isinstance(credential, dict):
        raise BakingError(f"expected a dict or a JWS str, got {type(credential).__name__}")
    try:
        return dumps(credential)
    except (msgspec.EncodeError, TypeError, ValueError) as error:
        raise BakingError(f"the credential cannot be serialised as JSON: {error}") from error


def _is_compact_jws(text: str) -> bool:
    """Three non-empty base64url parts whose first decodes to a JSON object (RFC 7515 §7.1)."""
    if _JWS.fullmatch(text) is None:
        return False
    header = text.split(".", 1)[0]
    try:
        decoded = loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, RecursionError):  # bad base64, UTF-8 or JSON (msgspec.DecodeError)
        return False
    return isinstance(decoded, dict)


def _parse_payload(text: str) -> JSONObject | str:
    payload = text.strip()
    if payload.startswith("{"):
        try:
            credential: JSONObject = loads(payload)
        except (msgspec.DecodeError, RecursionError) as error:
            raise BakingError(f"the baked credential is not valid JSON: {error}") from error
        return credential
    if not _is_compact_jws(payload):
        raise BakingError("the baked credential is neither a JSON object nor a compact JWS")
    return payload


def _require_one(found: list[_T]) -> _T:
    # OB 3.0 #png-baking, #svg-baking: only one credential per image.
    if not found:
        raise BakingError("the image holds no Open Badges 3.0 credential")
    if len(found) > 1:
        raise BakingError(f"the image holds {len(found)} credentials; exactly one is allowed")
    return found[0]


def png_chunks(image: bytes) -> list[tuple[bytes, bytes]]:
    """Every PNG chunk up to ``IEND`` as (type, data), checked by pypng; else `BakingError`."""
    chunks: list[tuple[bytes, bytes]] = []
    try:
        for chunk in png.Reader(bytes=image).chunks():
            chunks.append(chunk)
            if len(chunks) > MAX_PNG_CHUNKS:
                raise BakingError(f"the PNG has more than {MAX_PNG_CHUNKS} chunks")
    except png.Error as error:
        raise BakingError(f"malformed PNG: {error}") from error
    if chunks[0][0] != b"IHDR":
        raise BakingError("malformed PNG: the first chunk is not IHDR")
    return chunks


def _is_credential_chunk(chunk: tuple[bytes, bytes]) -> bool:
    chunk_type, data = chunk
    return chunk_type == b"iTXt" and data.startswith(PNG_KEYWORD + b"\0")


def _bake_png(image: bytes, payload: bytes) -> bytes:
    kept = [chunk for chunk in png_chunks(image) if not _is_credential_chunk(chunk)]
    # PNG #11iTXt: keyword, NUL, compression flag 0 and method 0 (OB 3.0: compression
    # MUST NOT be used), empty language tag, NUL, empty translated keyword, NUL, UTF-8 text.
    itxt = PNG_KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + payload
    # OB 3.0 leaves the position open; before IEND keeps IHDR..IDAT exactly where they were.
    output = io.BytesIO()
    png.write_chunks(output, [*kept[:-1], (b"iTXt", itxt), kept[-1]])
    return output.getvalue()


def _extract_png(image: bytes) -> JSONObject | str:
    found = [chunk[1] for chunk in png_chunks(image) if _is_credential_chunk(chunk)]
    return _parse_payload(decode_itxt_text(_require_one(found)))


def decode_itxt_text(data: bytes) -> str:
    """The text of an ``iTXt`` chunk's data (PNG §11.3.4.5); `BakingError` if compressed."""
    _keyword, _, fields = data.partition(b"\0")
    if len(fields) < 2:
        raise BakingError("malformed iTXt chunk: no compression fields")
    if fields[0] != 0:
        # Refused rather than inflated: OB 3.0 #png-baking says compression MUST NOT be used,
        # and inflating would need a cap against zip bombs.
        raise BakingError("the openbadgecredential iTXt chunk is compressed, which OB 3.0 forbids")
    _language, has_language, rest = fields[2:].partition(b"\0")
    _translated, has_translated, text = rest.partition(b"\0")
    if not (has_language and has_translated):
        raise BakingError("malformed iTXt chunk: missing language tag or translated keyword")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BakingError("the openbadgecredential iTXt text is not valid UTF-8") from error


@dataclass
class _FoundCredential:
    start: int
    verify: str | None
    end_tag: int = -1
    has_child: bool = False
    text: list[str] = field(default_factory=list)


class _SvgScan:
    """Parser target: where the root starts, what it binds, which credentials it holds."""

    def __init__(self) -> None:
        # Expat's offset of the event being reported: the `<` of a start or end tag.
        self.byte_index: Callable[[], int] = lambda: -1
        self.encoding: str | None = None
        self.root_tag = ""
        self.root_start = -1
        self.root_prefixes: dict[str, str] = {}
        self.credentials: list[_FoundCredential] = []
        self.ob2_assertions: list[str] = []  # each one's text before any child, or `verify`
        self._ob2_open: list[tuple[int, str, list[str], list[bool]]] = []  # depth, verify, text
        self._depth = 0
        self._pending_prefixes: dict[str, str] = {}
        self._open: _FoundCredential | None = None
        self._open_depth = -1

    def xml_decl(self, _version: str | None, encoding: str | None, _standalone: int) -> None:
        self.encoding = encoding

    def start_ns(self, prefix: str, uri: str) -> None:
        self._pending_prefixes[prefix] = uri

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self._ob2_open:
            self._ob2_open[-1][3][0] = True  # a child: the text before it is the element's
        if tag == _OB2_ASSERTION_TAG:
            self._ob2_open.append((self._depth, attrib.get("verify", ""), [], [False]))
        if self._depth == 0:
            self.root_tag, self.root_start = tag, self.byte_index()
            self.root_prefixes = dict(self._pending_prefixes)
        elif self._open is not None:
            self._open.has_child = True
        elif tag == _CREDENTIAL_TAG:
            self._open = _FoundCredential(self.byte_index(), attrib.get("verify"))
            self._open_depth = self._depth
        self._pending_prefixes.clear()
        self._depth += 1

    def end(self, _tag: str) -> None:
        self._depth -= 1
        if self._ob2_open and self._ob2_open[-1][0] == self._depth:
            _, verify, text, _ = self._ob2_open.pop()
            self.ob2_assertions.append("".join(text).strip() or verify)
        if self._open is not None and self._depth == self._open_depth:
            self._open.end_tag = self.byte_index()
            self.credentials.append(self._open)
            self._open = None

    def data(self, text: str) -> None:
        if self._ob2_open and not self._ob2_open[-1][3][0]:
            self._ob2_open[-1][2].append(text)
        if self._open is not None:
            self._open.text.append(text)


_KEPT_SCANS: ContextVar[dict[int, tuple[bytes, "_SvgScan | BakingError"]] | None] = ContextVar(
    "openbadges_svg_scans", default=None
)


@contextmanager
def svg_scans_kept() -> Iterator[None]:
    """An SVG read more than once in this block is parsed once (about 80 ms a MB).

    A verification reads an image's kind, then its OB 2.0 and OB 3.0 payloads; what was kept
    goes when the block ends.
    """
    token = _KEPT_SCANS.set({})
    try:
        yield
    finally:
        _KEPT_SCANS.reset(token)


def ob2_svg_assertions(image: bytes) -> list[str]:
    """The OB 2.0 assertions baked into an SVG, each one's text (else its ``verify``).

    The element is ``<openbadges:assertion>`` in the namespace http://openbadges.org.

    Raises:
        BakingError: the image is not a well-formed UTF-8 SVG.
    """
    return list(_scan_svg(image).ob2_assertions)


def _scan_svg(image: bytes) -> "_SvgScan":
    kept = _KEPT_SCANS.get()
    found = kept.get(id(image)) if kept is not None else None
    if found is not None and found[0] is image:  # held here, so its id is not reused
        scanned = found[1]
    else:
        try:
            scanned = _scanned_svg(image)
        except BakingError as error:
            scanned = error
        if kept is not None:
            kept[id(image)] = (image, scanned)
    if isinstance(scanned, BakingError):
        raise BakingError(*scanned.args)  # a new one: a kept error raised again keeps frames
    return scanned


def _scanned_svg(image: bytes) -> _SvgScan:
    # No XML 1.0 character is NUL, so a NUL byte means UTF-16/32, which expat would
    # decode despite encoding="utf-8" below and so break the byte offsets used to edit.
    if _XML_START.match(image) is None or b"\0" in image:
        raise BakingError("the image is neither a PNG nor a UTF-8 SVG")
    scan = _SvgScan()
    # forbid_dtd: no DOCTYPE at all, so no entity expansion (billion laughs) and no
    # external entity (XXE); encoding="utf-8" so the byte offsets below index UTF-8 text.
    parser = DefusedXMLParser(target=scan, encoding="utf-8", forbid_dtd=True)
    scan.byte_index = lambda: parser.parser.CurrentByteIndex
    parser.parser.XmlDeclHandler = scan.xml_decl
    try:
        parser.feed(image)
        parser.close()
    except DefusedXmlException as error:
        raise BakingError(f"SVG with a DTD or entities refused: {error!r}") from error
    except ParseError as error:
        raise BakingError(f"the image is not well-formed XML: {error}") from error
    if scan.root_tag != _SVG_ROOT:
        raise BakingError(f"the XML root is {scan.root_tag!r}, not an SVG <svg> element")
    if scan.encoding is not None and scan.encoding.lower() != "utf-8":
        raise BakingError(f"only UTF-8 SVGs can be baked, not {scan.encoding}")
    scan.byte_index = _no_index  # the parser goes: only what it found is kept
    return scan


def _no_index() -> int:
    return -1


def _start_tag_end(image: bytes, start: int) -> int:
    match = _START_TAG.match(image, start)
    if match is None:  # expat accepted the tag, so this means a bug here, not bad input
        raise BakingError(f"cannot find the end of the start tag at byte {start}")
    return match.end()


def _credential_span(image: bytes, found: _FoundCredential) -> tuple[int, int]:
    tag_end = _start_tag_end(image, found.start)
    if image[tag_end - 2 : tag_end] == b"/>":
        return found.start, tag_end
    return found.start, image.index(b">", found.end_tag) + 1


def _svg_element(payload: bytes, *, is_jws: bool) -> bytes:
    # OB 3.0 #svg-baking: a JWS goes in `verify` (base64url needs no escaping), JSON in CDATA.
    if is_jws:
        return b'<openbadges:credential verify="' + payload + b'"></openbadges:credential>'
    # XML 1.0 §2.2 excludes U+FFFE and U+FFFF, which JSON strings may hold raw: escape them.
    text = payload.replace(b"\xef\xbf\xbe", b"\\ufffe").replace(b"\xef\xbf\xbf", b"\\uffff")
    # `]]>` would end the CDATA section: close it between `]]` and `>` and open another.
    cdata = text.replace(b"]]>", b"]]]]><![CDATA[>")
    return b"<openbadges:credential><![CDATA[" + cdata + b"]]></openbadges:credential>"


def _bake_svg(image: bytes, element: bytes) -> bytes:
    scan = _scan_svg(image)
    bound = scan.root_prefixes.get("openbadges")
    if bound not in (None, OPENBADGES_SVG_NAMESPACE):
        raise BakingError(f"the <svg> root already binds the openbadges prefix to {bound!r}")
    tag_end = _start_tag_end(image, scan.root_start)
    is_empty_root = image[tag_end - 2 : tag_end] == b"/>"
    close_at = tag_end - 2 if is_empty_root else tag_end - 1
    edits: list[tuple[int, int, bytes]] = []
    if bound is None:
        edits.append((close_at, close_at, _NAMESPACE_ATTRIBUTE))
    if is_empty_root:  # `<svg .../>` becomes `<svg ...>` + element + `</svg>`
        name = re.split(rb"[\s/>]", image[scan.root_start + 1 : tag_end], maxsplit=1)[0]
        edits.append((close_at, tag_end, b">" + element + b"</" + name + b">"))
    else:
        edits.append((tag_end, tag_end, element))
    edits.extend((*_credential_span(image, found), b"") for found in scan.credentials)
    return _apply_edits(image, edits)


def _apply_edits(image: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Replace each ``image[start:end]`` by its bytes; insertions sort before removals."""
    pieces: list[bytes] = []
    cursor = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        pieces += [image[cursor:start], replacement]
        cursor = end
    pieces.append(image[cursor:])
    return b"".join(pieces)


def _extract_svg(image: bytes) -> JSONObject | str:
    found = _require_one(_scan_svg(image).credentials)
    if found.has_child:
        raise BakingError("the <openbadges:credential> element holds child elements")
    text = "".join(found.text)
    if found.verify is None:
        return _parse_payload(text)
    if text.strip():
        raise BakingError("the <openbadges:credential> element has both `verify` and a body")
    jws = found.verify.strip()
    if not _is_compact_jws(jws):
        raise BakingError("the `verify` attribute does not hold a compact JWS")
    return jws
