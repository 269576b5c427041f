import base64
import contextlib
import io
import operator
import struct
import time
import zlib
from typing import Any

import png
import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import given, settings
from hypothesis import strategies as st

from openbadges.baking import (
    MAX_PNG_CHUNKS,
    OPENBADGES_SVG_NAMESPACE,
    bake,
    detect_image_kind,
    extract,
)
from openbadges.errors import BakingError
from openbadges.jsontypes import dumps

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:2f1d6a1e-0c3b-4e0e-9d55-6a7f3f0d1b2c",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Accompagner la différenciation « en classe » ]]> 🎓 עברית",
    "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"name": "Niveau 1"}},
}
OTHER_CREDENTIAL: dict[str, Any] = {**CREDENTIAL, "id": "urn:uuid:other", "name": "Autre"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jws(payload: bytes = b'{"vc":{"id":"urn:x"}}', signature: bytes = b"\x01" * 64) -> str:
    return ".".join((_b64url(b'{"alg":"EdDSA","typ":"JWT"}'), _b64url(payload), _b64url(signature)))


JWS = _jws()
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!-- badge -->\n<svg xmlns="http://www.w3.org/2000/svg"\n'
    b'  viewBox="0 0 512 512" data-x="a>b">\n'
    b'  <circle cx="256" cy="256" r="200" fill="#c0ffee"/>\n</svg>\n'
)


def _png() -> bytes:
    output = io.BytesIO()
    png.Writer(3, 2, greyscale=False).write(output, [[255, 0, 0] * 3, [0, 0, 255] * 3])
    return output.getvalue()


def _chunks(image: bytes) -> list[tuple[bytes, bytes]]:
    return list(png.Reader(bytes=image).chunks())


def _write(chunks: list[tuple[bytes, bytes]]) -> bytes:
    output = io.BytesIO()
    png.write_chunks(output, chunks)
    return output.getvalue()


def _with_itxt(data: bytes) -> bytes:
    chunks = _chunks(_png())
    return _write([*chunks[:-1], (b"iTXt", data), chunks[-1]])


def _raw_chunk(chunk_type: bytes, data: bytes, *, length: int | None = None) -> bytes:
    crc = zlib.crc32(chunk_type + data)
    return (
        struct.pack("!I", len(data) if length is None else length)
        + chunk_type
        + data
        + (struct.pack("!I", crc))
    )


IMAGES = {"png": _png(), "svg": SVG}


@pytest.mark.parametrize("kind", ["png", "svg"])
@pytest.mark.parametrize("credential", [CREDENTIAL, JWS], ids=["json", "jwt"])
def test_bake_then_extract_returns_the_credential(
    kind: str, credential: dict[str, Any] | str
) -> None:
    baked = bake(IMAGES[kind], credential)

    assert extract(baked) == credential
    assert detect_image_kind(baked) == kind


def test_bake_png_writes_one_uncompressed_itxt_chunk_before_iend() -> None:
    chunks = _chunks(bake(_png(), CREDENTIAL))

    assert [chunk_type for chunk_type, _ in chunks][-2:] == [b"iTXt", b"IEND"]
    assert chunks[-2][1] == b"openbadgecredential\0" + b"\0\0" + b"\0" + b"\0" + dumps(CREDENTIAL)
    assert chunks[:-2] == _chunks(_png())[:-1]


def test_bake_png_keeps_the_pixels() -> None:
    baked = bake(_png(), JWS)

    width, height, rows, _info = png.Reader(bytes=baked).read()
    assert (width, height) == (3, 2)
    assert [list(row) for row in rows] == [[255, 0, 0] * 3, [0, 0, 255] * 3]


def test_bake_svg_inserts_namespace_and_element_and_keeps_every_other_byte() -> None:
    baked = bake(SVG, JWS)

    element = f'<openbadges:credential verify="{JWS}"></openbadges:credential>'.encode()
    namespace = f' xmlns:openbadges="{OPENBADGES_SVG_NAMESPACE}"'.encode()
    head, tail = SVG.split(b'data-x="a>b"', 1)
    assert baked == head + b'data-x="a>b"' + namespace + tail[:1] + element + tail[1:]
    root = fromstring(baked, forbid_dtd=True)
    assert root[0].tag == f"{{{OPENBADGES_SVG_NAMESPACE}}}credential"
    assert root[0].get("verify") == JWS


def test_bake_svg_wraps_json_in_cdata_and_splits_the_cdata_end_marker() -> None:
    baked = bake(SVG, {"name": "a]]>b]]]>c"})

    assert b"<openbadges:credential><![CDATA[" in baked
    assert b"]]]]><![CDATA[>" in baked
    assert fromstring(baked, forbid_dtd=True)[0].text == '{"name":"a]]>b]]]>c"}'
    assert extract(baked) == {"name": "a]]>b]]]>c"}


def test_bake_svg_escapes_characters_xml_forbids() -> None:
    credential = {"name": "\ufffe\uffff\x00\x7f"}

    assert extract(bake(SVG, credential)) == credential


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_bake_replaces_an_existing_credential(kind: str) -> None:
    rebaked = bake(bake(IMAGES[kind], CREDENTIAL), OTHER_CREDENTIAL)

    assert rebaked == bake(IMAGES[kind], OTHER_CREDENTIAL)
    assert extract(rebaked) == OTHER_CREDENTIAL
    assert extract(bake(rebaked, JWS)) == JWS


def test_bake_svg_replaces_a_credential_baked_elsewhere_with_another_prefix() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><g>'
        b'<ob:credential xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><![CDATA[{"a":1}]]>'
        b"</ob:credential></g><ob:credential xmlns:ob='https://purl.imsglobal.org/ob/v3p0' "
        b"verify='x.y.z'/></svg>"
    )

    baked = bake(svg, CREDENTIAL)

    assert baked.count(b":credential") == 2  # the start and end tags of the new element
    assert b"<g></g></svg>" in baked
    assert extract(baked) == CREDENTIAL


def test_extract_svg_reads_the_spec_example_layout() -> None:
    svg = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"\n'
        b'  xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" viewBox="0 0 512 512">\n'
        b"  <openbadges:credential>\n    <![CDATA[\n      {\n"
        b'        "id": "http://example.edu/credentials/3732", "proof": { }\n      }\n    ]]>\n'
        b"  </openbadges:credential>\n  <!-- rest-of-image -->\n</svg>\n"
    )

    assert extract(svg) == {"id": "http://example.edu/credentials/3732", "proof": {}}
    assert bake(svg, JWS).count(b"xmlns:openbadges") == 1


def test_bake_svg_with_self_closing_root_adds_an_end_tag() -> None:
    baked = bake(b'<s:svg xmlns:s="http://www.w3.org/2000/svg" width="1" />', JWS)

    assert baked.endswith(b"></openbadges:credential></s:svg>")
    assert extract(baked) == JWS


def test_extract_png_rejects_two_credentials() -> None:
    chunks = _chunks(bake(_png(), CREDENTIAL))
    doubled = _write([*chunks[:-1], (b"iTXt", chunks[-2][1]), chunks[-1]])

    with pytest.raises(BakingError, match="holds 2 credentials"):
        extract(doubled)
    assert extract(bake(doubled, JWS)) == JWS


def test_extract_svg_rejects_two_credentials() -> None:
    element = f'<openbadges:credential verify="{JWS}"></openbadges:credential>'.encode()
    doubled = bake(SVG, JWS).replace(b"</svg>", b"<g>" + element + b"</g></svg>")

    with pytest.raises(BakingError, match="holds 2 credentials"):
        extract(doubled)
    assert extract(bake(doubled, CREDENTIAL)) == CREDENTIAL


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_extract_rejects_an_image_without_credential(kind: str) -> None:
    with pytest.raises(BakingError, match="holds no Open Badges"):
        extract(IMAGES[kind])


def test_extract_png_ignores_other_text_chunks() -> None:
    legacy = _with_itxt(b"openbadges\0\0\0\0\0" + dumps(CREDENTIAL))

    with pytest.raises(BakingError, match="holds no"):
        extract(legacy)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<svg xmlns="http://www.w3.org/2000/svg">&lol9;</svg>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>"""
EXTERNAL_DTD = b"""<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg"/>"""


@pytest.mark.parametrize("svg", [BILLION_LAUGHS, XXE, EXTERNAL_DTD], ids=["laughs", "xxe", "dtd"])
def test_svg_with_a_dtd_is_refused(svg: bytes) -> None:
    for operation in (extract, detect_image_kind, lambda image: bake(image, JWS)):
        with pytest.raises(BakingError, match="DTD"):
            operation(svg)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (_png()[:-6], "End of file"),
        (_png()[:40], "too short|End of file"),
        (_png()[:33], "No more chunks"),
        (png.signature + _raw_chunk(b"IHDR", b"\0" * 13, length=4096), "too short"),
        (png.signature + _raw_chunk(b"IHDR", b"\0" * 13, length=2**31), "too large"),
        (_png()[:29] + bytes([_png()[29] ^ 1]) + _png()[30:], "Checksum error"),
        (png.signature + _raw_chunk(b"I\0DR", b""), "invalid Chunk Type"),
        (_write(_chunks(_png())[1:]), "first chunk is not IHDR"),
    ],
    ids=[
        "truncated-iend",
        "truncated-idat",
        "no-iend",
        "lying-length",
        "huge-length",
        "bad-crc",
        "bad-type",
        "no-ihdr",
    ],
)
def test_malformed_png_is_refused(image: bytes, message: str) -> None:
    for operation in (extract, lambda image: bake(image, JWS)):
        with pytest.raises(BakingError, match=message):
            operation(image)


def test_png_with_too_many_chunks_is_refused_quickly() -> None:
    chunks = _chunks(_png())
    image = _write([chunks[0], *[(b"tEXt", b"k\0v")] * (MAX_PNG_CHUNKS + 1), *chunks[1:]])

    started = time.process_time()
    with pytest.raises(BakingError, match="more than"):
        extract(image)
    assert time.process_time() - started < 2


@pytest.mark.parametrize(
    ("itxt", "message"),
    [
        (b"openbadgecredential\0\x01\0\0\0" + zlib.compress(dumps(CREDENTIAL)), "compressed"),
        (b"openbadgecredential\0\0\0\0\0\xff\xfe{}", "not valid UTF-8"),
        (b"openbadgecredential\0\0\0fr" + dumps(CREDENTIAL), "missing language tag"),
        (b"openbadgecredential\0\0", "no compression fields"),
        (b"openbadgecredential\0\0\0\0\0{not json", "not valid JSON"),
        (b"openbadgecredential\0\0\0\0\0" + b"[" * 100_000, "neither a JSON object nor"),
        (b"openbadgecredential\0\0\0\0\0" + b'{"a":' * 100_000, "not valid JSON"),
        (b"openbadgecredential\0\0\0\0\0not.a.jws", "neither a JSON object nor"),
    ],
    ids=["compressed", "latin1", "unterminated", "short", "json", "array", "deep", "jws"],
)
def test_extract_png_refuses_a_bad_itxt_chunk(itxt: bytes, message: str) -> None:
    with pytest.raises(BakingError, match=message):
        extract(_with_itxt(itxt))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b' verify="x.y.z">', "does not hold a compact JWS"),
        (f' verify="{JWS}">{{}}'.encode(), "both `verify` and a body"),
        (b"><g/>", "child elements"),
        (b">", "neither a JSON object nor"),
        (b"><![CDATA[{]]>", "not valid JSON"),
    ],
    ids=["bad-verify", "verify-and-body", "child", "empty", "bad-json"],
)
def test_extract_svg_refuses_a_bad_credential_element(body: bytes, message: str) -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="'
        + OPENBADGES_SVG_NAMESPACE.encode()
        + b'"><openbadges:credential'
        + body
        + b"</openbadges:credential></svg>"
    )

    with pytest.raises(BakingError, match=message):
        extract(svg)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"\xff\xd8\xff\xe0JFIF", "neither a PNG nor"),
        (b"", "neither a PNG nor"),
        (b"<svg><unclosed></svg>", "not well-formed"),
        (b"<svg/>", "not an SVG <svg> element"),
        (b'<html xmlns="http://www.w3.org/2000/svg"/>', "not an SVG <svg> element"),
        ('<svg xmlns="http://www.w3.org/2000/svg"/>'.encode("utf-16"), "neither a PNG nor"),
        ('<svg xmlns="http://www.w3.org/2000/svg"/>'.encode("utf-16-le"), "neither a PNG nor"),
        (
            b'<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            "only UTF-8",
        ),
    ],
    ids=["jpeg", "empty", "malformed", "no-namespace", "html", "utf16-bom", "utf16", "latin1"],
)
def test_image_that_is_not_a_usable_svg_or_png_is_refused(image: bytes, message: str) -> None:
    for operation in (extract, detect_image_kind, lambda image: bake(image, JWS)):
        with pytest.raises(BakingError, match=message):
            operation(image)


def test_image_that_is_not_bytes_is_refused() -> None:
    with pytest.raises(BakingError, match="expected the image as bytes"):
        extract("<svg/>")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_oversize_image_is_refused(kind: str) -> None:
    image = IMAGES[kind]

    for operation in (
        lambda: extract(image, max_bytes=len(image) - 1),
        lambda: detect_image_kind(image, max_bytes=len(image) - 1),
        lambda: bake(image, JWS, max_bytes=len(image) - 1),
    ):
        with pytest.raises(BakingError, match="exceeds"):
            operation()
    with pytest.raises(BakingError, match="would exceed"):
        bake(image, JWS, max_bytes=len(image) + 10)


def test_default_size_cap_is_16_mib() -> None:
    with pytest.raises(BakingError, match="16777216-byte limit"):
        extract(png.signature + bytes(16 * 1024 * 1024))


@pytest.mark.parametrize(
    "credential",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "a.b.",
        _jws()[:-3] + "+/=",
        "e30.e30.e30 ",
        "bm90anNvbg.e30.e30",  # header "notjson"
        _b64url(b'{"alg":"\x93"}') + ".e30.e30",  # header not UTF-8
        "e30xx.e30.e30",  # header of impossible base64 length
    ],
)
def test_bake_refuses_a_str_that_is_not_a_compact_jws(credential: str) -> None:
    with pytest.raises(BakingError, match="compact JWS"):
        bake(_png(), credential)


@pytest.mark.parametrize(
    "credential", [["not", "an", "object"], {"when": object()}, {"a": "\ud800"}]
)
def test_bake_refuses_a_credential_that_is_not_json(credential: Any) -> None:
    with pytest.raises(BakingError):
        bake(SVG, credential)


def test_bake_svg_refuses_a_root_binding_openbadges_to_another_namespace() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"/>'

    with pytest.raises(BakingError, match="already binds the openbadges prefix"):
        bake(svg, JWS)


SPECIAL_TEXT = [
    "é à « »",
    "🎓👩🏽‍🏫",
    "עברית مرحبا",
    "]]>",
    "]]]>",
    "<&>'\"",
    "\u2028\x00\x7f\ufffe",
]
short_texts = st.text(max_size=20) | st.lists(
    st.sampled_from(SPECIAL_TEXT) | st.text(max_size=5), max_size=6
).map("".join)
# Long strings by repetition: large values without drawing (and shrinking) every character.
texts = short_texts | st.builds(operator.mul, short_texts, st.integers(100, 2_000))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=50, deadline=None)
@given(
    credential=st.dictionaries(texts, json_values, max_size=4), kind=st.sampled_from(["png", "svg"])
)
def test_bake_round_trips_any_json_credential(credential: dict[str, Any], kind: str) -> None:
    baked = bake(IMAGES[kind], credential)

    assert extract(baked) == credential
    assert bake(baked, credential) == baked
    if kind == "svg":
        assert fromstring(baked, forbid_dtd=True)[0].tag.endswith("}credential")
    else:
        assert len(list(png.Reader(bytes=baked).read()[2])) == 2


@settings(max_examples=50, deadline=None)
@given(payload=texts, signature=st.binary(min_size=1), kind=st.sampled_from(["png", "svg"]))
def test_bake_round_trips_any_jws(payload: str, signature: bytes, kind: str) -> None:
    jws = _jws(dumps({"vc": {"name": payload}}), signature)

    assert extract(bake(IMAGES[kind], jws)) == jws


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_bake_round_trips_a_one_mebibyte_credential(kind: str) -> None:
    credential = {**CREDENTIAL, "evidence": ("« réflexion » ]]> 🎓 " * 40_000)[: 1024 * 1024]}

    baked = bake(IMAGES[kind], credential)

    assert extract(baked) == credential
    if kind == "png":
        assert len(list(png.Reader(bytes=baked).read()[2])) == 2
    else:
        assert fromstring(baked, forbid_dtd=True)[0].tag.endswith("credential")


BAKED = [bake(_png(), CREDENTIAL), bake(SVG, CREDENTIAL), bake(SVG, JWS)]


@settings(max_examples=200, deadline=None)
@given(
    which=st.sampled_from(range(len(BAKED))),
    position=st.integers(min_value=0),
    value=st.integers(min_value=0, max_value=255),
    cut=st.booleans(),
)
def test_corrupted_baked_image_fails_only_with_baking_error(
    which: int, position: int, value: int, cut: bool
) -> None:
    image = BAKED[which]
    position %= len(image)
    corrupted = (
        image[:position] if cut else image[:position] + bytes([value]) + image[position + 1 :]
    )

    with contextlib.suppress(BakingError):
        extract(corrupted)
    with contextlib.suppress(BakingError):
        bake(corrupted, OTHER_CREDENTIAL)


@settings(max_examples=100, deadline=None)
@given(prefix=st.sampled_from([b"", png.signature, b"<svg ", b"<?xml "]), data=st.binary())
def test_arbitrary_bytes_fail_only_with_baking_error(prefix: bytes, data: bytes) -> None:
    with pytest.raises(BakingError):
        extract(prefix + data)
