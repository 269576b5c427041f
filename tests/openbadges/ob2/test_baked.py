"""An OB 2.0 assertion baked into an SVG is read from the same one parse as an OB 3.0 one.

Each case's expected payload comes from ElementTree (defusedxml), as the reader used to find
it: the element's text before any child, stripped, else its ``verify`` attribute.
"""

import defusedxml.ElementTree as SafeElementTree
import pytest

from openbadges import baking
from openbadges.baking import bake
from openbadges.errors import BakingError
from openbadges.keys import generate_key_pair
from openbadges.ob2 import extract_ob2
from openbadges.resolver import StaticResolver
from openbadges.signing import sign_credential
from openbadges.verification import verify
from tests.factories import explorer_credential
from tests.openbadges.verification.conftest import NOW

ROOT = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
CASES = {
    "text": '<openbadges:assertion>  {"uid": "é"}  </openbadges:assertion>',
    "verify": '<openbadges:assertion verify="https://example.org/a.json"/>',
    "text over verify": '<openbadges:assertion verify="v">a.b.c</openbadges:assertion>',
    "text before a child": "<openbadges:assertion> a.b.c <g>x</g> tail </openbadges:assertion>",
    "blank text, verify": '<openbadges:assertion verify=" v "> <g/> </openbadges:assertion>',
    "CDATA": '<openbadges:assertion><![CDATA[{"a": "<b>"}]]></openbadges:assertion>',
    "nested in a group": "<g><g><openbadges:assertion>x.y.z</openbadges:assertion></g></g>",
    "none": "<g>nothing baked</g>",
}


def _by_element_tree(svg: bytes) -> str | None:
    root = SafeElementTree.fromstring(svg)
    found = [
        (element.text or "").strip() or element.get("verify", "")
        for element in root.iter("{http://openbadges.org}assertion")
    ]
    return found[0].strip() if found else None


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_an_svg_s_assertion_is_what_element_tree_reads(body: str) -> None:
    svg = f"{ROOT}{body}</svg>".encode()

    assert extract_ob2(svg) == _by_element_tree(svg)


def test_two_assertions_are_refused() -> None:
    svg = f"{ROOT}{CASES['text']}{CASES['verify']}</svg>".encode()

    with pytest.raises(BakingError, match=r"several OB 2\.0 assertions"):
        extract_ob2(svg)


async def test_a_baked_svg_is_parsed_once_per_verification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its kind, its OB 2.0 payload, then its OB 3.0 one: read from one parse (a real parse,
    counted as it happens)."""
    parses: list[int] = []
    parse = baking._scanned_svg

    def counted(image: bytes) -> object:
        parses.append(len(image))
        return parse(image)

    monkeypatch.setattr(baking, "_scanned_svg", counted)
    key = generate_key_pair()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect/></svg>'
    baked = bake(svg, sign_credential(explorer_credential(key.controller), key))
    parses.clear()

    result = await verify(baked, resolver=StaticResolver(), now=NOW)

    assert result.format == "json-ld"
    assert len(parses) == 1
    extract_ob2(baked)  # outside a verification nothing is kept: its kind, then its payload
    assert len(parses) == 3
