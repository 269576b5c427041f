"""Canonical N-Quads straight from the JSON, for documents in the bundled contexts' terms.

The general path (`openbadges.canonical`) hands the whole document and its inlined contexts
to a JSON-LD processor on every call, and processing the OB 3.0 context is most of its cost.
This path walks the JSON once with the term tables of `compiled_contexts` (JSON-LD 1.1
Expansion §5.1 and Deserialize JSON-LD to RDF §8.2, restricted to what those contexts
define) and writes the quads as canonical N-Quads itself.

Blank nodes are labelled as RDFC-1.0 labels them when every blank node has a first-degree
hash of its own (https://www.w3.org/TR/rdf-canon/#canon-algorithm, §4.4.3 steps 3-4: the
canonical issuer then labels nodes in the code point order of their hashes, and §4.8 never
runs). When two blank nodes share a hash, or the document holds anything this path does not
fully understand (an undefined term, a ``@value`` object, a
relative or unusual IRI, a context that is not bundled), `canonicalize_compiled` returns None
and the caller uses the general path: it never guesses. Differential tests check the output
against the general path and Digital Bazaar's canonicaliser byte for byte.
"""

import hashlib
import re
from collections.abc import Iterator, Sequence
from typing import Any, overload

import pyoxigraph as ox

from openbadges.compiled_contexts import ActiveContext, Term, Unsupported, initial_context
from openbadges.offload import INLINE_STATEMENTS, leave_the_loop

__all__ = ["CompiledDataset", "LazyQuads", "canonicalize_compiled", "compile_dataset"]

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_XSD_BOOLEAN = _XSD + "boolean"
_XSD_INTEGER = _XSD + "integer"
_XSD_DOUBLE = _XSD + "double"
_TRAILING_ZEROS = re.compile(r"(\d)0*$")
_ESCAPES = {
    **{code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F)},
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_NEEDS_ESCAPE = frozenset(chr(code) for code in _ESCAPES)

# A term of a quad: N-Quads text for IRIs and literals, an int for a blank node.
Node = str | int
Quad = tuple[Node, str, Node, Node | None]


class CompiledDataset:
    """The quads of one document, with blank nodes numbered in the order they were met."""

    def __init__(self) -> None:
        self.quads: list[Quad] = []
        self.blank_nodes = 0
        self.top: Node | None = None
        self.literals: dict[str, tuple[str, str | None]] = {}

    def literal(self, value: str, datatype: str | None) -> str:
        text = _literal_text(value, datatype)
        self.literals[text] = (value, datatype)
        return text

    def blank(self) -> int:
        self.blank_nodes += 1
        return self.blank_nodes - 1

    def canonical(self) -> str | None:
        """RDFC-1.0 canonical N-Quads, or None when two blank nodes look alike (§4.6)."""
        quads = list(dict.fromkeys(self.quads))  # a dataset holds each statement once
        labels = self._canonical_labels(quads)
        if labels is None:
            return None
        return "".join(sorted({_line(quad, labels) for quad in quads}))

    def _canonical_labels(self, quads: list[Quad]) -> list[str] | None:
        if not self.blank_nodes:
            return []
        mentions: list[list[Quad]] = [[] for _ in range(self.blank_nodes)]
        for quad in quads:
            for node in {quad[0], quad[2], quad[3]}:
                if isinstance(node, int):
                    mentions[node].append(quad)
        hashes = [_first_degree_hash(node, quads) for node, quads in enumerate(mentions)]
        if len(set(hashes)) != len(hashes):
            return None
        order = sorted(range(self.blank_nodes), key=hashes.__getitem__)
        labels = [""] * self.blank_nodes
        for issued, node in enumerate(order):
            labels[node] = f"_:c14n{issued}"
        return labels

    def ox_top(self) -> ox.NamedNode | ox.BlankNode | None:
        """The top-level node, named as in `ox_quads`."""
        top = self.top
        if top is None:
            return None
        if isinstance(top, int):
            return ox.BlankNode(f"b{top}")
        return ox.NamedNode(top[1:-1])

    def ox_quads(self) -> list[ox.Quad]:
        """The dataset as pyoxigraph quads (what the verification checks read)."""
        made: dict[Node, Any] = {}

        def term(node: Node) -> Any:  # noqa: ANN401 (a subject, predicate, object or graph)
            known = made.get(node)
            if known is None:
                known = made[node] = self._ox_term(node)
            return known

        return [
            ox.Quad(term(s), term(p), term(o))
            if g is None
            else ox.Quad(term(s), term(p), term(o), term(g))
            for s, p, o, g in self.quads
        ]

    def _ox_term(self, node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(node, int):
            return ox.BlankNode(f"b{node}")
        if node.startswith("<"):
            return ox.NamedNode(node[1:-1])
        value, datatype = self.literals[node]
        if datatype is None:
            return ox.Literal(value)
        return ox.Literal(value, datatype=ox.NamedNode(datatype))


class LazyQuads(Sequence[ox.Quad]):
    """A compiled dataset's pyoxigraph quads, made the first time they are read.

    Signing never reads them, and making them costs more than compiling the dataset.
    """

    def __init__(self, dataset: CompiledDataset) -> None:
        self._dataset = dataset
        self._quads: list[ox.Quad] | None = None

    def _all(self) -> list[ox.Quad]:
        if self._quads is None:
            self._quads = self._dataset.ox_quads()
        return self._quads

    def __len__(self) -> int:
        return len(self._dataset.quads)

    @overload
    def __getitem__(self, index: int) -> ox.Quad: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ox.Quad]: ...
    def __getitem__(self, index: int | slice) -> ox.Quad | Sequence[ox.Quad]:
        return self._all()[index]

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self._all())


def canonicalize_compiled(
    document: dict[str, Any], proof_config: dict[str, Any] | None
) -> tuple[CompiledDataset, str, str] | None:
    """The document's and the proof configuration's datasets and canonical N-Quads.

    Returns None when the compiled path does not fully understand either of them.
    """
    try:
        context = initial_context(document.get("@context"))
        dataset = compile_dataset(document, context)
        proof = ""
        if proof_config is not None:
            proof_text = compile_dataset(proof_config, context).canonical()
            if proof_text is None:
                return None
            proof = proof_text
    except Unsupported:
        return None
    text = dataset.canonical()
    return None if text is None else (dataset, text, proof)


def compile_dataset(document: dict[str, Any], context: ActiveContext) -> CompiledDataset:
    """The RDF dataset of a document whose top-level context is `context`.

    Raises:
        Unsupported: the document holds something the compiled path does not handle.
    """
    dataset = CompiledDataset()
    body = {key: value for key, value in document.items() if key != "@context"}
    dataset.top = _Walker(dataset).node(body, context, None)
    return dataset


class _Walker:
    def __init__(self, dataset: CompiledDataset) -> None:
        self._quads = dataset.quads
        self._dataset = dataset

    def node(self, element: dict[str, Any], active: ActiveContext, graph: Node | None) -> Node:
        """Expansion §5.1.2 steps 9-13 for a node object, emitting its quads (§8.2)."""
        if not element:
            raise Unsupported("an empty node object")
        if "@context" in element:
            active = active.apply(element["@context"])
        subject, types = self._identity(element, active)
        typed = active
        for name in sorted(types):  # step 11: type-scoped contexts, in lexicographic order
            term = typed.terms.get(name)
            if term is not None and term.scoped is not None:
                active = active.apply(term.scoped, propagate=False)
        quads = self._quads
        before = len(quads)
        if before > INLINE_STATEMENTS:
            leave_the_loop()  # a large document: not in the event loop (`offload`)
        for name in types:
            quads.append((subject, _RDF_TYPE, f"<{typed.expand_vocab(name)}>", graph))
        self._properties(subject, element, active, graph)
        if len(quads) == before and isinstance(subject, int):
            raise Unsupported("a blank node with no statements")
        return subject

    def _properties(
        self, subject: Node, element: dict[str, Any], active: ActiveContext, graph: Node | None
    ) -> None:
        quads = self._quads
        for key, value in element.items():
            if key == "@context" or key in active.id_keys or key in active.type_keys:
                continue
            term = active.terms.get(key)
            if term is None or term.iri.startswith("@"):
                raise Unsupported(f"term {key!r}")
            predicate = f"<{term.iri}>"
            for item in value if isinstance(value, list) else (value,):
                if item is not None:
                    quads.append((subject, predicate, self.value(item, term, active, graph), graph))

    def _identity(self, element: dict[str, Any], active: ActiveContext) -> tuple[Node, list[str]]:
        ids = [element[key] for key in active.id_keys if key in element]
        type_values = [element[key] for key in active.type_keys if key in element]
        if len(ids) > 1 or len(type_values) > 1:
            raise Unsupported("colliding keywords")
        types = type_values[0] if type_values else []
        types = types if isinstance(types, list) else [types]
        if not all(isinstance(name, str) for name in types):
            raise Unsupported("a type that is not a string")
        if not ids:
            return self._dataset.blank(), types
        if not isinstance(ids[0], str):
            raise Unsupported("an id that is not a string")
        return f"<{active.expand_iri(ids[0])}>", types

    def value(self, item: object, term: Term, active: ActiveContext, graph: Node | None) -> Node:
        """Expansion §5.1.2 steps 3-8 and value expansion §5.3.2, then §8.2's conversion."""
        if isinstance(item, dict):
            return self._nested(item, term, active, graph)
        if term.container is not None and term.container != "@set":
            raise Unsupported(f"a value in a {term.container} container")
        if term.scoped is not None:
            active = active.apply(term.scoped, override_protected=True)
        kind = term.type
        if isinstance(item, str):
            if kind == "@id":
                return f"<{active.expand_iri(item)}>"
            if kind == "@vocab":
                return f"<{active.expand_vocab(item)}>"
            return self._dataset.literal(item, kind)
        if kind is not None and kind.startswith("@"):
            raise Unsupported(f"a non-string value typed {kind}")
        if isinstance(item, bool):
            return self._dataset.literal("true" if item else "false", kind or _XSD_BOOLEAN)
        if isinstance(item, int | float):
            return self._dataset.literal(*_number(item, kind))
        raise Unsupported(f"a value the compiled path does not type: {type(item).__name__}")

    def _nested(
        self, item: dict[str, Any], term: Term, active: ActiveContext, graph: Node | None
    ) -> Node:
        if term.type == "@json" or any(key.startswith("@") and key != "@context" for key in item):
            raise Unsupported("a keyword object as a value")
        if term.container not in (None, "@set", "@graph"):
            raise Unsupported(f"a node in a {term.container} container")
        # Step 7: a type-scoped context does not propagate into a node object (a node
        # reference, a single id, is expanded in the current context, which is the same here).
        base = active.previous or active
        if term.scoped is not None:
            base = base.apply(term.scoped, override_protected=True)
        if term.container != "@graph":
            return self.node(item, base, graph)
        if graph is not None:
            raise Unsupported("a graph inside a named graph")
        name = self._dataset.blank()
        self.node(item, base, name)
        return name


def _number(value: float, datatype: str | None) -> tuple[str, str]:
    """A JSON number as RDF (JSON-LD 1.1 API §8.6 step 10-11; jsonld.js's lexical forms).

    A value with a fractional part, of 10^21 or more, or typed xsd:double is written in the
    canonical xsd:double form (``1.5E0``, ``2.5E-1``); any other is an integer (``3`` for
    3.0, as JavaScript reads it), typed as the term says or xsd:integer.
    """
    if value != int(value) or abs(value) >= 10**21 or datatype == _XSD_DOUBLE:
        mantissa, exponent = f"{float(value):.15e}".split("e")
        mantissa = _TRAILING_ZEROS.sub(r"\1", mantissa)
        return f"{mantissa}E{int(exponent)}", datatype or _XSD_DOUBLE
    return str(int(value)), datatype or _XSD_INTEGER


def _literal_text(value: str, datatype: str | None) -> str:
    try:
        value.encode()
    except UnicodeEncodeError:
        raise Unsupported("a lone surrogate") from None
    escaped = value.translate(_ESCAPES) if not _NEEDS_ESCAPE.isdisjoint(value) else value
    if datatype is None or datatype == _XSD_STRING:
        return f'"{escaped}"'
    return f'"{escaped}"^^<{datatype}>'


def _first_degree_hash(node: int, quads: list[Quad]) -> str:
    """RDFC-1.0 §4.6 Hash First Degree Quads: the node is ``_:a``, every other one ``_:z``."""
    lines = sorted(_line(quad, None, node) for quad in quads)
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _line(quad: Quad, labels: list[str] | None, reference: int = -1) -> str:
    def written(node: Node) -> str:
        if isinstance(node, str):
            return node
        if labels is not None:
            return labels[node]
        return "_:a" if node == reference else "_:z"

    subject, predicate, obj, graph = quad
    if graph is None:
        return f"{written(subject)} {predicate} {written(obj)} .\n"
    return f"{written(subject)} {predicate} {written(obj)} {written(graph)} .\n"
