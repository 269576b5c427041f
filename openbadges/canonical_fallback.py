"""JSON-LD to RDF with pyld, for the documents pyoxigraph's JSON-LD parser expands wrongly.

pyoxigraph 0.5 applies only one type-scoped context to a node whose ``@type`` holds several
terms that each carry one, while JSON-LD 1.1 (https://www.w3.org/TR/json-ld11-api/#expansion-
algorithm, step 11) applies every one of them in turn, in lexicographic order. The W3C
vc-di-ecdsa ``employ`` vectors show it: their subject is ``["Person", "EmployablePerson"]`` in
the citizenship v4rc1 context, and pyoxigraph drops ``residentSince`` and
``employmentAuthorizationDocument``, which only ``EmployablePerson``'s context defines, where
pyld (like jsonld.js) gives the published N-Quads.

Such a document is expanded by pyld instead, from the same text with every context inlined,
so no document is loaded. Only expansion moves here: the canonicalisation that follows keeps
its work budget (`canonical_limits`). pyld's expansion is linear but slow in Python, so the
text it is given is capped in size (`MAX_FALLBACK_BYTES`).
"""

import functools
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from pyld import jsonld

from openbadges.contexts import ContextLoader
from openbadges.errors import InvalidDocument, PoisonedDataset
from openbadges.jsontypes import JSONObject, loads

__all__ = ["MAX_FALLBACK_BYTES", "needs_fallback", "parse_with_pyld"]

MAX_FALLBACK_BYTES = 512 * 1024
"""The largest JSON-LD text given to pyld's (pure Python) expansion."""


def needs_fallback(context: object, body: object, loader: ContextLoader) -> bool:
    """Whether a node of the body has two or more types that carry a scoped context.

    The terms are gathered from every context the document uses, whatever their scope: a
    term counted wrongly only sends a document to the slower, exact processor.

    Args:
        context: the document's ``@context``.
        body: the document without its ``@context``.
        loader: where the contexts come from.

    Raises:
        ContextNotFound: a context is not available.
    """
    scoped = set(_scoped_in(context, loader))
    for embedded in _embedded_contexts(body):
        scoped |= _scoped_in(embedded, loader)
    if len(scoped) < 2:
        return False
    return any(len(types & scoped) >= 2 for types in _node_types(body))


def parse_with_pyld(text: bytes) -> Iterator[ox.Quad]:
    """The RDF quads of a JSON-LD text whose contexts are all inlined, expanded by pyld.

    Raises:
        InvalidDocument: the text is not valid JSON-LD.
        PoisonedDataset: the text is over `MAX_FALLBACK_BYTES`.
    """
    if len(text) > MAX_FALLBACK_BYTES:
        raise PoisonedDataset(
            f"refused: a document whose nodes combine type-scoped contexts is expanded by a "
            f"slower processor, which takes at most {MAX_FALLBACK_BYTES} bytes"
        )
    try:
        dataset = jsonld.to_rdf(loads(text), {"documentLoader": _refuse, "base": ""})
    except jsonld.JsonLdError as error:
        raise InvalidDocument(f"invalid JSON-LD: {error}") from error
    blanks: dict[str, ox.BlankNode] = {}
    for name, triples in dataset.items():
        graph = ox.DefaultGraph() if name == "@default" else _node(name, blanks)
        for triple in triples:
            yield ox.Quad(
                _term(triple["subject"], blanks),
                ox.NamedNode(triple["predicate"]["value"]),
                _term(triple["object"], blanks),
                graph,
            )


def _refuse(url: str, options: object = None) -> JSONObject:
    raise InvalidDocument(f"no document is loaded while canonicalising ({url})")


def _node(value: str, blanks: dict[str, ox.BlankNode]) -> Any:  # noqa: ANN401 - pyoxigraph term
    if value.startswith("_:"):
        return blanks.setdefault(value, ox.BlankNode())
    return ox.NamedNode(value)


def _term(term: dict[str, str], blanks: dict[str, ox.BlankNode]) -> Any:  # noqa: ANN401
    if term["type"] != "literal":
        return _node(term["value"], blanks)
    if "language" in term:
        return ox.Literal(term["value"], language=term["language"])
    return ox.Literal(term["value"], datatype=ox.NamedNode(term["datatype"]))


def _collect_scoped(context: object, found: set[str]) -> None:
    """Terms whose definition has a ``@context``, in a context and its scoped contexts."""
    if isinstance(context, list):
        for entry in context:
            _collect_scoped(entry, found)
    elif isinstance(context, dict):
        for term, definition in context.items():
            if isinstance(definition, dict) and "@context" in definition:
                found.add(term)
                _collect_scoped(definition["@context"], found)


def _scoped_in(context: object, loader: ContextLoader) -> frozenset[str]:
    found: set[str] = set()
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, str):
            found |= _scoped_at(entry, loader)
        else:
            _collect_scoped(entry, found)
    return frozenset(found)


@functools.lru_cache(maxsize=256)
def _scoped_at(url: str, loader: ContextLoader) -> frozenset[str]:
    found: set[str] = set()
    _collect_scoped(loader.resolve(url), found)
    return frozenset(found)


def _embedded_contexts(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                yield item
            else:
                yield from _embedded_contexts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _embedded_contexts(item)


def _node_types(value: object) -> Iterator[set[str]]:
    if isinstance(value, dict):
        for key in ("type", "@type"):
            types = value.get(key)
            if isinstance(types, list):
                yield {item for item in types if isinstance(item, str)}
        for item in value.values():
            yield from _node_types(item)
    elif isinstance(value, list):
        for item in value:
            yield from _node_types(item)
