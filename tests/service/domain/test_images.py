"""The picture rules on their own: what an SVG keeps and loses, what a PNG must be."""

import pytest

from service.domain.catalogue.images import SVG, accept_image, sanitise_svg
from service.domain.errors import InvalidInput

DOT = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def test_fragment_and_inline_image_references_are_kept() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<defs><circle id="c" r="2"/></defs><use href="#c"/><image href="{DOT}"/></svg>'
    ).encode()

    kept = sanitise_svg(svg).decode()

    assert 'href="#c"' in kept
    assert DOT in kept
    assert kept.startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_external_references_and_handlers_are_removed() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="go()">'
        b'<image href="//tracker.example/p.png"/><rect style="fill:url(http://x.example/a)"/>'
        b"<script>go()</script></svg>"
    )

    kept = sanitise_svg(svg).decode()

    assert "tracker" not in kept
    assert "x.example" not in kept
    assert "onload" not in kept
    assert "script" not in kept


def test_a_billion_laughs_is_refused_before_anything_expands() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
    )

    with pytest.raises(InvalidInput, match="without a DTD"):
        sanitise_svg(bomb)


def test_the_same_picture_has_the_same_name() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>'

    assert accept_image(svg, SVG).sha256 == accept_image(svg, SVG).sha256
