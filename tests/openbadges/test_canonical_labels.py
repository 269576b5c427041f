"""RDFC-1.0 labels from hashes alone (`canonical_labels`) against pyld's URDNA2015."""

import pyoxigraph as ox
import pytest

from openbadges.canonical_labels import canonical_nquads
from openbadges.canonical_limits import canonical_nquads_metered

# Two credentials of one subject, each repeating its name as a blank node (alike leaves),
# each with its proof in a graph named by a blank node (which pyoxigraph 0.5 labels wrongly).
HELD = """
<urn:s> <urn:identifier> _:n1 <urn:doc> .
_:n1 <urn:name> "Marie Tremblay" <urn:doc> .
<urn:s> <urn:identifier> _:n2 <urn:doc> .
_:n2 <urn:name> "Marie Tremblay" <urn:doc> .
<urn:c1> <urn:proof> _:g1 <urn:doc> .
_:p1 <urn:value> "z1" _:g1 .
<urn:c2> <urn:proof> _:g2 <urn:doc> .
_:p2 <urn:value> "z2" _:g2 .
<urn:c2> <urn:hours> "1.5E0"^^<http://www.w3.org/2001/XMLSchema#float> <urn:doc> .
"""
LOOP = """
_:a <urn:knows> _:b .
_:b <urn:knows> _:a .
"""


def quads(text: str) -> list[ox.Quad]:
    return list(ox.parse(text, ox.RdfFormat.N_QUADS))


def pyld(text: str) -> str:
    relabelled = canonical_nquads_metered(quads(text))
    return "".join(sorted(f"{q} .\n" for q in ox.parse(relabelled, ox.RdfFormat.N_QUADS)))


@pytest.mark.no_sql
@pytest.mark.parametrize("algorithm", ["sha256", "sha384"])
def test_alike_leaves_and_named_graphs_are_labelled_as_pyld_labels_them(algorithm: str) -> None:
    labelled = canonical_nquads(quads(HELD), algorithm)

    assert labelled is not None
    if algorithm == "sha256":
        assert labelled == pyld(HELD)
    assert labelled.count("_:c14n") == HELD.count("_:")


@pytest.mark.no_sql
def test_alike_nodes_that_point_at_each_other_are_left_to_the_metered_processor() -> None:
    assert canonical_nquads(quads(LOOP)) is None
