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
its work budget (`canonical_limits`). pyld's expansion is linear but slow in Python (about
0.2 ms per JSON object under such contexts on an idle machine, ten times that under load),
so what it is given is capped: `MAX_FALLBACK_BYTES` of text and `MAX_FALLBACK_OBJECTS`
objects (a CLR record of 64 credentials fits); a larger document of this kind is refused as
poisoned.
"""

import functools
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from pyld import jsonld

from openbadges.contexts import ContextLoader
from openbadges.errors import InvalidDocument, PoisonedDataset
from openbadges.jsontypes import JSONObject, loads

__all__ = ["MAX_FALLBACK_BYTES", "MAX_FALLBACK_OBJECTS", "needs_fallback", "parse_with_pyld"]

MAX_FALLBACK_BYTES = 512 * 1024
"""The largest JSON-LD text given to pyld's (pure Python) expansion."""
MAX_FALLBACK_OBJECTS = 1024
"""The most JSON objects (nodes, values) a document given to pyld's expansion may hold."""


def needs_fallback(context: object, body: object, loader: ContextLoader) -> bool:
    """Whether pyoxigraph would expand a node of the body differently from JSON-LD 1.1.

    pyoxigraph applies, of a node's types that carry a scoped context, only the last in
    lexicographic order. That changes the node's meaning when one of its keys is defined by
    an earlier type's scoped context and not by the last one's (or when a scoped context
    propagates to nested nodes, or is not an inline object). The scoped contexts are
    gathered from every context the document uses, whatever their scope: a term counted
    wrongly only sends a document to the slower, exact processor.

    Args:
        context: the document's ``@context``.
        body: the document without its ``@context``.
        loader: where the contexts come from.

    Raises:
        ContextNotFound: a context is not available.
    """
    scoped = dict(_scoped_in(context, loader))
    for embedded in _embedded_contexts(body):
        for term, keys in _scoped_in(embedded, loader).items():
            scoped[term] = scoped.get(term, frozenset()) | keys
    if len(scoped) < 2:
        return False
    return any(_is_misread(node, types, scoped) for node, types in _typed_nodes(body))


def _is_misread(node: JSONObject, types: list[str], scoped: dict[str, frozenset[str]]) -> bool:
    applied = sorted({name for name in types if name in scoped})
    if len(applied) < 2:
        return False
    earlier = frozenset().union(*(scoped[name] for name in applied[:-1]))
    if _OPAQUE in earlier or _OPAQUE in scoped[applied[-1]]:
        return True
    return bool((earlier - scoped[applied[-1]]) & set(node))


def parse_with_pyld(text: bytes) -> Iterator[ox.Quad]:
    """The RDF quads of a JSON-LD text whose contexts are all inlined, expanded by pyld.

    Raises:
        InvalidDocument: the text is not valid JSON-LD.
        PoisonedDataset: the text is over `MAX_FALLBACK_BYTES` or its ``@graph`` holds more
            than `MAX_FALLBACK_OBJECTS` objects.
    """
    document = loads(text) if len(text) <= MAX_FALLBACK_BYTES else None
    if document is None or _objects_in(document.get("@graph")) > MAX_FALLBACK_OBJECTS:
        raise PoisonedDataset(
            "refused: a document whose nodes combine type-scoped contexts is expanded by a "
            f"slower processor, which takes at most {MAX_FALLBACK_BYTES} bytes and "
            f"{MAX_FALLBACK_OBJECTS} objects"
        )
    try:
        dataset = jsonld.to_rdf(document, {"documentLoader": _refuse, "base": ""})
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


def _objects_in(value: object) -> int:
    if isinstance(value, dict):
        return 1 + sum(_objects_in(item) for item in value.values())
    if isinstance(value, list):
        return sum(_objects_in(item) for item in value)
    return 0


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


_OPAQUE = "@"  # a scoped context that propagates or is not an inline object: always exact


def _collect_scoped(context: object, found: dict[str, frozenset[str]]) -> None:
    """Terms whose definition has a ``@context``, with the terms that context defines."""
    if isinstance(context, list):
        for entry in context:
            _collect_scoped(entry, found)
    elif isinstance(context, dict):
        for term, definition in context.items():
            if isinstance(definition, dict) and "@context" in definition:
                inner = definition["@context"]
                keys = (
                    frozenset(inner) - {"@protected", "@version"}
                    if isinstance(inner, dict) and inner.get("@propagate") is not True
                    else frozenset({_OPAQUE})
                )
                found[term] = found.get(term, frozenset()) | keys
                _collect_scoped(inner, found)


def _scoped_in(context: object, loader: ContextLoader) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, str):
            for term, keys in _scoped_at(entry, loader).items():
                found[term] = found.get(term, frozenset()) | keys
        else:
            _collect_scoped(entry, found)
    return found


@functools.lru_cache(maxsize=256)
def _scoped_at(url: str, loader: ContextLoader) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    _collect_scoped(loader.resolve(url), found)
    return found


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


def _typed_nodes(value: object) -> Iterator[tuple[JSONObject, list[str]]]:
    if isinstance(value, dict):
        for key in ("type", "@type"):
            types = value.get(key)
            if isinstance(types, list):
                yield value, [item for item in types if isinstance(item, str)]
        for item in value.values():
            yield from _typed_nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _typed_nodes(item)
