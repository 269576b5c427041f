"""The work budget of RDFC-1.0 canonicalisation: poisoned datasets are refused, quickly.

RDFC-1.0 §4.8 (Hash N-Degree Quads) tries every permutation of blank nodes that look alike,
so a few blank nodes that all point at each other cost minutes (https://www.w3.org/TR/rdf-canon/
#dataset-poisoning asks implementations to detect such inputs and stop). Canonicalisation is
free of that work when every blank node has its own first-degree hash (§4.6), which is the
case of every ordinary credential; only then does pyoxigraph's native, unmetered RDFC-1.0 run.
Anything else goes to pyld's URDNA2015 (the same algorithm), here metered: every Hash N-Degree
Quads call and every permutation it tries counts against a work budget and a time cap, and
either one being exceeded raises `PoisonedDataset`. Digital Bazaar's rdf-canonize meters the
same calls (its ``maxWorkFactor``); the budget here allows more, so that benign repeated
shapes (two identical evidence objects without ids) still canonicalise.
"""

import hashlib
import time
from collections.abc import Iterable
from typing import Any

import pyld.canon
import pyld.identifier_issuer
import pyoxigraph as ox

from openbadges.errors import PoisonedDataset

__all__ = [
    "MAX_DEPTH",
    "MAX_SECONDS",
    "MAX_WORK",
    "canonical_nquads_metered",
    "has_unique_first_degree",
]

MAX_WORK = 20_000
"""Hash N-Degree Quads calls plus permutations tried, for one canonicalisation."""
MAX_SECONDS = 0.5
"""CPU-time cap (of the canonicalising thread) on the metered canonicalisation of one dataset.

CPU time, not wall-clock time: on a busy machine a benign document would otherwise be refused."""
MAX_DEPTH = 64
"""Nesting of Hash N-Degree Quads calls (a long cycle of alike nodes recurses along it)."""

_Key = tuple[str, str, str, str]


def has_unique_first_degree(quads: Iterable[ox.Quad]) -> bool:
    """Whether every blank node has a first-degree hash of its own (RDFC-1.0 §4.6).

    The hash of a blank node covers its quads with itself written ``_:a`` and every other
    blank node ``_:z``; two nodes have the same hash exactly when those multisets of quads
    are equal, which is compared here without serialising or hashing anything.
    """
    mentions: dict[ox.BlankNode, list[_Key]] = {}
    for quad in quads:
        terms = (quad.subject, quad.object, quad.graph_name)
        for node in terms:
            if isinstance(node, ox.BlankNode):
                mentions.setdefault(node, []).append(_first_degree_key(quad, node))
    signatures = {tuple(sorted(keys)) for keys in mentions.values()}
    return len(signatures) == len(mentions)


def _first_degree_key(quad: ox.Quad, node: ox.BlankNode) -> _Key:
    def written(term: object) -> str:
        if isinstance(term, ox.BlankNode):
            return "a" if term == node else "z"
        return str(term)

    return (
        written(quad.subject),
        str(quad.predicate),
        written(quad.object),
        written(quad.graph_name),
    )


def canonical_nquads_metered(quads: Iterable[ox.Quad], hash_algorithm: str = "sha256") -> str:
    """Canonicalise quads with URDNA2015 (RDFC-1.0) under the work budget.

    Args:
        quads: the dataset.
        hash_algorithm: RDFC-1.0's hash, ``"sha256"`` (URDNA2015) or ``"sha384"``.

    Returns:
        The canonical N-Quads, sorted (pyld's escaping of literals).

    Raises:
        PoisonedDataset: the budget, the time cap or the nesting cap ran out.
    """
    meter = _Meter(MAX_WORK, time.thread_time() + MAX_SECONDS)
    result: str = _MeteredUrdna2015(meter, hash_algorithm).main(
        _pyld_dataset(quads), {"format": "application/n-quads"}
    )
    return result


def _pyld_dataset(quads: Iterable[ox.Quad]) -> dict[str, list[dict[str, Any]]]:
    """Build pyld's dataset form directly: its N-Quads parser is quadratic in the quads."""
    dataset: dict[str, list[dict[str, Any]]] = {}
    for quad in dict.fromkeys(quads):  # a dataset holds each statement once
        graph = quad.graph_name
        name = "@default" if isinstance(graph, ox.DefaultGraph) else _pyld_term(graph)["value"]
        dataset.setdefault(name, []).append(
            {
                "subject": _pyld_term(quad.subject),
                "predicate": _pyld_term(quad.predicate),
                "object": _pyld_term(quad.object),
            }
        )
    return dataset


def _pyld_term(term: object) -> dict[str, str]:
    if isinstance(term, ox.BlankNode):
        return {"type": "blank node", "value": f"_:{term.value}"}
    if isinstance(term, ox.Literal):
        literal = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
        if term.language:
            literal["language"] = term.language
        return literal
    if isinstance(term, ox.NamedNode):
        return {"type": "IRI", "value": term.value}
    raise PoisonedDataset(f"RDF-star terms are not canonicalised: {term}")


class _Meter:
    def __init__(self, budget: int, deadline: float) -> None:
        self.remaining = budget
        self.deadline = deadline

    def spend(self) -> None:
        self.remaining -= 1
        if self.remaining < 0:
            raise PoisonedDataset(
                f"canonicalisation refused: more than {MAX_WORK} steps of RDFC-1.0 "
                "Hash N-Degree Quads (blank nodes that cannot be told apart)"
            )
        if self.remaining % 64 == 0 and time.thread_time() > self.deadline:
            raise PoisonedDataset(
                f"canonicalisation refused: RDFC-1.0 took more than {MAX_SECONDS} s "
                "(blank nodes that cannot be told apart)"
            )


class _MeteredIssuer(pyld.identifier_issuer.IdentifierIssuer):  # type: ignore[misc]
    """An identifier issuer that pays for each copy: §4.8 step 5.4.1 copies once per permutation."""

    meter: _Meter

    def __deepcopy__(self, memo: dict[int, Any]) -> "_MeteredIssuer":
        self.meter.spend()
        copied = _MeteredIssuer(self.prefix)
        copied.counter = self.counter
        copied.existing = dict(self.existing)
        copied.order = list(self.order)
        copied.meter = self.meter
        return copied


class _MeteredUrdna2015(pyld.canon.URDNA2015):  # type: ignore[misc]
    def __init__(self, meter: _Meter, hash_algorithm: str) -> None:
        super().__init__()
        self._meter = meter
        self._depth = 0
        self._hash_algorithm = hash_algorithm

    def create_hash(self) -> Any:  # noqa: ANN401 - hashlib's hash object
        return hashlib.new(self._hash_algorithm)

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:  # noqa: ANN401 - pyld's types
        self._meter.spend()
        if self._depth >= MAX_DEPTH:
            raise PoisonedDataset(
                f"canonicalisation refused: RDFC-1.0 Hash N-Degree Quads nested more than "
                f"{MAX_DEPTH} deep (a long path of blank nodes that cannot be told apart)"
            )
        if not isinstance(issuer, _MeteredIssuer):
            metered = _MeteredIssuer(issuer.prefix)
            metered.counter, metered.existing, metered.order = (
                issuer.counter,
                issuer.existing,
                issuer.order,
            )
            metered.meter = self._meter
            issuer = metered
        self._depth += 1
        try:
            return super().hash_n_degree_quads(id_, issuer)
        finally:
            self._depth -= 1
