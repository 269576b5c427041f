"""RDFC-1.0 without Hash N-Degree Quads work: the datasets whose labels follow from hashes.

RDFC-1.0 (https://www.w3.org/TR/rdf-canon/#canon-algorithm) labels a blank node by its
first-degree hash (§4.6) when no other blank node has the same one (§4.4.3 step 4); only the
others need Hash N-Degree Quads (§4.8), whose permutations are what poisoned datasets abuse.
When each of those others is a *leaf*, that is no quad that mentions it mentions another blank
node, §4.8 has no related blank node to explore: its result is the same hash for every member
of a group, so the members are issued their labels one after the other (step 5), and as they
are indistinguishable (the same quads but for their own label) the order does not change the
canonical dataset. Records that hold several credentials of one issuer have such leaves: each
credential repeats the subject's unhashed ``name`` IdentityObject under the same subject id.

This is exact and linear, and it also covers blank nodes that name graphs (embedded proofs),
which pyoxigraph 0.5's native canonicalisation labels unlike the specification. Any other
dataset is left to the metered processor (`canonical_limits`): `canonical_nquads` returns None.
"""

import hashlib
import re
from collections.abc import Iterable

import pyoxigraph as ox

__all__ = ["canonical_nquads"]

_A, _Z = ox.BlankNode("a"), ox.BlankNode("z")
# pyoxigraph writes U+FFFE and U+FFFF as \uFFFE and \uFFFF; canonical N-Quads write them as
# themselves (an odd run of backslashes before "uFFFE" is an escape).
_NONCHAR_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u(FFFE|FFFF)")


def canonical_nquads(quads: Iterable[ox.Quad], hash_algorithm: str = "sha256") -> str | None:
    """The canonical N-Quads of `quads`, or None when §4.8 would have work to do.

    Args:
        quads: the dataset (a statement given twice counts once).
        hash_algorithm: RDFC-1.0's hash, ``"sha256"`` or ``"sha384"``.
    """
    dataset = list(dict.fromkeys(quads))
    mentions: dict[ox.BlankNode, list[ox.Quad]] = {}
    for quad in dataset:
        for node in dict.fromkeys(_blank_nodes(quad)):
            mentions.setdefault(node, []).append(quad)
    groups: dict[str, list[ox.BlankNode]] = {}
    for node, mentioning in mentions.items():
        groups.setdefault(_first_degree_hash(node, mentioning, hash_algorithm), []).append(node)
    labels: dict[ox.BlankNode, ox.BlankNode] = {}
    for digest in sorted(groups):  # §4.4.3 step 4: the nodes whose hash is their own
        if len(groups[digest]) == 1:
            labels[groups[digest][0]] = ox.BlankNode(f"c14n{len(labels)}")
    for digest in sorted(groups):  # step 5: alike leaves, one after the other
        alike = groups[digest]
        if len(alike) == 1:
            continue
        if any(_has_other_blank_node(node, mentions[node]) for node in alike):
            return None
        for node in alike:
            labels[node] = ox.BlankNode(f"c14n{len(labels)}")
    lines = sorted(f"{_relabelled(quad, labels)} .\n" for quad in dataset)
    return _unescape_nonchars("".join(lines))


def _blank_nodes(quad: ox.Quad) -> Iterable[ox.BlankNode]:
    for term in (quad.subject, quad.object, quad.graph_name):
        if isinstance(term, ox.BlankNode):
            yield term


def _has_other_blank_node(node: ox.BlankNode, mentioning: list[ox.Quad]) -> bool:
    return any(other != node for quad in mentioning for other in _blank_nodes(quad))


def _first_degree_hash(node: ox.BlankNode, mentioning: list[ox.Quad], algorithm: str) -> str:
    """§4.6: the quads mentioning `node`, itself written _:a and any other blank node _:z."""

    def written(term: ox.Quad | object) -> object:
        if isinstance(term, ox.BlankNode):
            return _A if term == node else _Z
        return term

    lines = sorted(
        _unescape_nonchars(
            str(
                ox.Quad(
                    written(quad.subject),  # type: ignore[arg-type]
                    quad.predicate,
                    written(quad.object),  # type: ignore[arg-type]
                    written(quad.graph_name),  # type: ignore[arg-type]
                )
            )
        )
        + " .\n"
        for quad in mentioning
    )
    return hashlib.new(algorithm, "".join(lines).encode()).hexdigest()


def _relabelled(quad: ox.Quad, labels: dict[ox.BlankNode, ox.BlankNode]) -> ox.Quad:
    def label(term: object) -> object:
        return labels[term] if isinstance(term, ox.BlankNode) else term

    return ox.Quad(
        label(quad.subject),  # type: ignore[arg-type]
        quad.predicate,
        label(quad.object),  # type: ignore[arg-type]
        label(quad.graph_name),  # type: ignore[arg-type]
    )


def _unescape_nonchars(nquads: str) -> str:
    if "\\uFFF" not in nquads:
        return nquads
    return _NONCHAR_ESCAPE.sub(lambda m: m.group(1) + chr(int(m.group(2), 16)), nquads)
