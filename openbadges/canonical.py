"""RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD credentials, offline.

Documents written entirely in the bundled contexts' terms (the shapes Insigne issues) take the
compiled path of `openbadges.compiled`, byte-identical and many times faster; everything else
takes the general path below.

https://www.w3.org/TR/rdf-canon/ via pyoxigraph (Rust): JSON-LD to RDF, then RDFC-1.0 with
SHA-256, then canonical N-Quads sorted in code point order (RDFC-1.0 §4.4.3 step 5).

Three choices keep this fast without changing a single output byte:

* pyoxigraph has no document-loader hook, so remote contexts are inlined from the bundled
  `ContextLoader` (equivalent to loading them; all bundled contexts use absolute IRIs). The
  inlined context is serialised once per distinct ``@context`` value and cached.
* Processing the large OB context dominates the cost, so a document and its proof
  configuration, which share that context (vc-di-eddsa §3.2.5 step 3), are expanded in one
  pass: each becomes a named graph under a marker IRI and is canonicalised on its own.
* JSON-LD "safe mode" (every term defined, no relative IRIs) is checked in that same pass: a
  sentinel ``@vocab`` and ``@base`` go *before* the document's contexts, so anything no
  context defines expands to a sentinel IRI instead of being dropped. When no sentinel IRI
  appears, the sentinel changed nothing and the output is exact; when one does, the document
  is expanded again without it and the offending terms are reported.

One exception to pyoxigraph: a node whose ``@type`` combines several type-scoped contexts is
expanded wrongly by pyoxigraph 0.5, so such a document is expanded by pyld
(`canonical_fallback`); the sentinel pass and the canonicalisation stay the same.

The test suite checks this against the W3C and 1EdTech vectors byte for byte, and against
pyld's independent URDNA2015 implementation on generated credentials.
"""

import functools
import re
import secrets
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pyoxigraph as ox

from openbadges import canonical_labels
from openbadges.canonical_fallback import needs_fallback, parse_with_pyld
from openbadges.canonical_limits import canonical_nquads_metered, has_unique_first_degree
from openbadges.compiled import LazyQuads, canonicalize_compiled
from openbadges.contexts import ContextLoader
from openbadges.errors import InvalidDocument
from openbadges.jsontypes import JSONObject, dumps
from openbadges.offload import leave_the_loop

__all__ = [
    "Canonicalized",
    "HashAlgorithm",
    "canonicalize",
    "canonicalize_general",
    "canonicalize_pair",
]

# Per-process random IRIs: a document cannot name them, so it cannot move quads between parts.
_TOKEN = secrets.token_hex(16)
_DOCUMENT_GRAPH = ox.NamedNode(f"urn:x-openbadges:{_TOKEN}:graph:document")
_PROOF_GRAPH = ox.NamedNode(f"urn:x-openbadges:{_TOKEN}:graph:proof")
_SENTINEL = f"urn:x-openbadges:{_TOKEN}:sentinel:"
_UNDEFINED_VOCAB = _SENTINEL + "undefined#"
_RELATIVE_BASE = _SENTINEL + "relative/"
_SENTINEL_CONTEXT = dumps({"@vocab": _UNDEFINED_VOCAB, "@base": _RELATIVE_BASE})
# A statement about the document's top node, removed before canonicalisation, tells which
# node the JSON's top object is, so the signed values can be read from the right node.
_TOP = ox.NamedNode(f"urn:x-openbadges:{_TOKEN}:top")
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"

Graphs = dict[object, list[ox.Quad]]
HashAlgorithm = Literal["sha256", "sha384"]
"""RDFC-1.0's hash (§4.4 "hash algorithm" parameter): SHA-256 unless a suite asks otherwise."""
_ALGORITHMS = {
    "sha256": ox.CanonicalizationAlgorithm.RDFC_1_0_SHA_256,
    "sha384": ox.CanonicalizationAlgorithm.RDFC_1_0_SHA_384,
}


@dataclass(frozen=True)
class Canonicalized:
    """Canonical N-Quads of a document (and of its proof configuration, when given).

    Attributes:
        document: the document's canonical N-Quads.
        proof: the proof configuration's canonical N-Quads, or "" when none was given.
        undefined_terms: terms no context defines; JSON-LD drops them, so they are not signed.
        issuer_dependent_terms: terms defined only by the issuer-dependent ``@vocab`` of VC 2.0's
            "undefined-terms" context: signed, but with no agreed meaning.
        relative_iris: relative IRI references, which JSON-LD drops.
        quads: the document's RDF quads before canonicalisation (what the proof covers), for
            reading the signed values back.
        top: the node the document's top-level JSON object describes, when it is one node.
        readings: what a verifier read from this dataset, kept with it (a remembered proof's
            dataset is not read again; see `openbadges.verification.memo`).
    """

    document: str
    proof: str = ""
    undefined_terms: frozenset[str] = frozenset()
    issuer_dependent_terms: frozenset[str] = frozenset()
    relative_iris: frozenset[str] = frozenset()
    quads: Sequence[ox.Quad] = field(default=(), repr=False, compare=False)
    top: ox.NamedNode | ox.BlankNode | None = field(default=None, repr=False, compare=False)
    readings: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_safe(self) -> bool:
        """True when nothing in the document would be silently dropped."""
        return not self.undefined_terms and not self.relative_iris


def canonicalize(document: JSONObject, loader: ContextLoader) -> Canonicalized:
    """Canonicalise one JSON-LD document with RDFC-1.0.

    Raises:
        ContextNotFound: the document uses a context that is not bundled.
        InvalidDocument: the document is not valid JSON-LD.
        PoisonedDataset: canonicalising it would exceed the work budget (an `InvalidDocument`).
    """
    return canonicalize_pair(document, None, loader)


def canonicalize_pair(
    document: JSONObject,
    proof_config: JSONObject | None,
    loader: ContextLoader,
    *,
    hash_algorithm: HashAlgorithm = "sha256",
) -> Canonicalized:
    """Canonicalise a document and its proof configuration under the document's ``@context``.

    Args:
        document: the JSON-LD document (without its proof).
        proof_config: proof options without ``proofValue`` and without ``@context``; they are
            expanded with the document's context, as vc-di-eddsa §3.2.5 requires.
        loader: where contexts come from.
        hash_algorithm: the hash RDFC-1.0 labels blank nodes with (vc-di-ecdsa §3.3.2:
            SHA-384 for a P-384 key).

    Raises:
        ContextNotFound: the document uses a context that is not bundled.
        InvalidDocument: the document or proof options are not valid JSON-LD.
        PoisonedDataset: canonicalising them would exceed the work budget (an `InvalidDocument`).
    """
    if not isinstance(document, dict) or "@context" not in document:
        raise InvalidDocument("a JSON-LD document needs an @context")
    # The compiled path labels blank nodes as RDFC-1.0 with SHA-256 does.
    compiled = canonicalize_compiled(document, proof_config) if hash_algorithm == "sha256" else None
    if compiled is not None:  # the shapes of the bundled contexts, without JSON-LD expansion
        dataset, text, proof = compiled
        return Canonicalized(
            document=text, proof=proof, quads=LazyQuads(dataset), top=dataset.ox_top()
        )
    leave_the_loop()  # the general path: not in the event loop (`offload`)
    return canonicalize_general(document, proof_config, loader, hash_algorithm=hash_algorithm)


def canonicalize_general(
    document: JSONObject,
    proof_config: JSONObject | None,
    loader: ContextLoader,
    *,
    hash_algorithm: HashAlgorithm = "sha256",
) -> Canonicalized:
    """`canonicalize_pair` through a JSON-LD processor, for any document (foreign ones).

    Raises:
        ContextNotFound, InvalidDocument, PoisonedDataset: as `canonicalize_pair`.
    """
    if not isinstance(document, dict) or "@context" not in document:
        raise InvalidDocument("a JSON-LD document needs an @context")
    if proof_config is not None and not _is_flat(proof_config):
        # Nested objects in the options could form graphs of their own; keep the parts apart.
        alone = canonicalize_general(document, None, loader, hash_algorithm=hash_algorithm)
        options = canonicalize_general(
            {"@context": document["@context"], **proof_config},
            None,
            loader,
            hash_algorithm=hash_algorithm,
        )
        return _with_proof(alone, options)
    context = _inlined_context(document["@context"], loader)
    body = {k: v for k, v in document.items() if k != "@context"}
    if "@graph" not in body:  # with @graph beside it, the marker would make it a named graph
        body[_TOP.value] = {"@id": _TOP.value}
    members = [_graph_member(_DOCUMENT_GRAPH, body, loader)]
    if proof_config is not None:
        members.append(_graph_member(_PROOF_GRAPH, proof_config, loader))
    is_exact = needs_fallback(document["@context"], body, loader)
    checked = _parse(context, members, with_sentinel=True, with_pyld=is_exact)
    flagged, relative = _sentinel_hits(checked)
    if not flagged and not relative:
        document_quads, top = _without_top(_part(checked, _DOCUMENT_GRAPH))
        return Canonicalized(
            document=_nquads(document_quads, hash_algorithm),
            proof=(
                _nquads(_part(checked, _PROOF_GRAPH), hash_algorithm)
                if proof_config is not None
                else ""
            ),
            issuer_dependent_terms=_issuer_dependent(document_quads),
            quads=tuple(document_quads),
            top=top,
        )
    exact = _parse(context, members, with_sentinel=False, with_pyld=is_exact)
    return _unsafe(exact, flagged, relative, hash_algorithm)


def _unsafe(
    graphs: Graphs,
    flagged: frozenset[str],
    relative: frozenset[str],
    hash_algorithm: HashAlgorithm,
) -> Canonicalized:
    """Canonicalise the exact expansion and sort the sentinel's findings.

    The sentinel vocabulary also catches terms a context's own ``@vocab`` defines; such a term
    appears in the exact expansion as an IRI ending in its name, so it is defined after all.
    """
    document, top = _without_top(_part(graphs, _DOCUMENT_GRAPH))
    proof = _part(graphs, _PROOF_GRAPH)
    by_vocab = _vocabulary_terms(document + proof)
    return Canonicalized(
        document=_nquads(document, hash_algorithm),
        proof=_nquads(proof, hash_algorithm) if proof else "",
        undefined_terms=frozenset(term for term in flagged if term not in by_vocab),
        issuer_dependent_terms=_issuer_dependent(document),
        relative_iris=relative,
        quads=tuple(document),
        top=top,
    )


def _graph_member(graph: ox.NamedNode, body: JSONObject, loader: ContextLoader) -> bytes:
    return b'{"@id":"%s","@graph":%s}' % (graph.value.encode(), _body_json(body, loader))


def _body_json(body: JSONObject, loader: ContextLoader) -> bytes:
    """Serialise the body, inlining the contexts of embedded documents (endorsements)."""
    encoded = dumps(body)
    if b'"@context"' not in encoded:
        return encoded
    return dumps(_inline_embedded(body, loader))


def _inline_embedded(value: object, loader: ContextLoader) -> object:
    if isinstance(value, dict):
        return {
            key: loader.resolve(item) if key == "@context" else _inline_embedded(item, loader)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_inline_embedded(item, loader) for item in value]
    return value


def _inlined_context(context: object, loader: ContextLoader) -> bytes:
    """The resolved context list, serialised without its brackets so a sentinel can go first."""
    key = _freeze(context)
    if key is None:
        return dumps(loader.resolve(context))[1:-1]
    return _cached_inline(key, loader)


@functools.lru_cache(maxsize=256)
def _cached_inline(key: Hashable, loader: ContextLoader) -> bytes:
    return dumps(loader.resolve(list(key) if isinstance(key, tuple) else key))[1:-1]


def _freeze(context: object) -> Hashable | None:
    """A cache key for the common case: one URL or a list of URLs."""
    if isinstance(context, str):
        return context
    if isinstance(context, list) and all(isinstance(entry, str) for entry in context):
        return tuple(context)
    return None


def _parse(context: bytes, members: list[bytes], *, with_sentinel: bool, with_pyld: bool) -> Graphs:
    """Expand to RDF; with pyld when pyoxigraph would get it wrong (`canonical_fallback`)."""
    contexts = b"%s,%s" % (_SENTINEL_CONTEXT, context) if with_sentinel else context
    text = b'{"@context":[%s],"@graph":[%s]}' % (contexts, b",".join(members))
    graphs: Graphs = {}
    try:
        parsed = parse_with_pyld(text) if with_pyld else ox.parse(text, ox.RdfFormat.JSON_LD)
        for quad in parsed:
            graphs.setdefault(quad.graph_name, []).append(quad)
    except SyntaxError as error:
        raise InvalidDocument(f"invalid JSON-LD: {error}") from error
    return graphs


def _sentinel_hits(graphs: Graphs) -> tuple[frozenset[str], frozenset[str]]:
    """Terms that fell through to the sentinel vocabulary, and IRIs resolved against its base."""
    terms: set[str] = set()
    relative: set[str] = set()
    for quads in graphs.values():
        for quad in quads:
            for node in (quad.subject, quad.predicate, quad.object, _datatype(quad.object)):
                if not isinstance(node, ox.NamedNode) or not node.value.startswith(_SENTINEL):
                    continue
                if node.value.startswith(_RELATIVE_BASE):
                    relative.add(node.value.removeprefix(_RELATIVE_BASE))
                else:
                    terms.add(node.value.removeprefix(_UNDEFINED_VOCAB))
    return frozenset(terms), frozenset(relative)


def _datatype(node: object) -> ox.NamedNode | None:
    return node.datatype if isinstance(node, ox.Literal) else None


def _part(graphs: Graphs, root: ox.NamedNode) -> list[ox.Quad]:
    """The quads of one marker graph, moved to the default graph, plus the graphs it nests.

    A nested graph (an embedded credential's proof) has a blank-node name that a quad of the
    part refers to; following those references keeps each part's nested graphs with it.
    """
    top = graphs.get(root, [])
    quads = [ox.Quad(quad.subject, quad.predicate, quad.object) for quad in top]
    pending = [quad.object for quad in top if isinstance(quad.object, ox.BlankNode)]
    seen: set[ox.BlankNode] = set()
    while pending:
        node = pending.pop()
        if node in seen or node not in graphs:
            continue
        seen.add(node)
        nested = graphs[node]
        quads.extend(nested)
        pending.extend(quad.object for quad in nested if isinstance(quad.object, ox.BlankNode))
    return quads


def _without_top(quads: list[ox.Quad]) -> tuple[list[ox.Quad], ox.NamedNode | ox.BlankNode | None]:
    tops = [quad.subject for quad in quads if quad.predicate == _TOP]
    if not tops:
        return quads, None
    top = tops[0] if len(tops) == 1 and isinstance(tops[0], ox.NamedNode | ox.BlankNode) else None
    return [quad for quad in quads if quad.predicate != _TOP], top


def _issuer_dependent(quads: list[ox.Quad]) -> frozenset[str]:
    iris = _vocabulary_terms(quads).values()
    return frozenset(
        iri.removeprefix(_ISSUER_DEPENDENT) for iri in iris if iri.startswith(_ISSUER_DEPENDENT)
    )


def _vocabulary_terms(quads: list[ox.Quad]) -> dict[str, str]:
    """Map the local names of predicate and class IRIs to the IRIs."""
    iris = {quad.predicate.value for quad in quads}
    iris.update(
        quad.object.value
        for quad in quads
        if quad.predicate == _RDF_TYPE and isinstance(quad.object, ox.NamedNode)
    )
    return {iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]: iri for iri in iris}


def _nquads(quads: list[ox.Quad], hash_algorithm: HashAlgorithm) -> str:
    # pyoxigraph's RDFC-1.0 is unmetered: it only gets datasets that need no §4.8 work.
    if any(
        isinstance(quad.graph_name, ox.BlankNode) for quad in quads
    ) or not has_unique_first_degree(quads):
        # Labels that follow from hashes alone (`canonical_labels`), else the metered §4.8.
        labelled = canonical_labels.canonical_nquads(quads, hash_algorithm)
        return labelled if labelled is not None else _nquads_metered(quads, hash_algorithm)
    dataset = ox.Dataset(quads)
    dataset.canonicalize(_ALGORITHMS[hash_algorithm])
    return _unescape_nonchars("".join(sorted(f"{quad} .\n" for quad in dataset)))


# pyoxigraph writes U+FFFE and U+FFFF as \uFFFE and \uFFFF; canonical N-Quads (and pyld,
# rdf-canonize, the compiled path) write them as themselves. An odd run of backslashes before
# "uFFFE" is an escape; an even one is escaped backslashes followed by the letters.
_NONCHAR_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u(FFFE|FFFF)")


def _unescape_nonchars(nquads: str) -> str:
    if "\\uFFF" not in nquads:
        return nquads
    return _NONCHAR_ESCAPE.sub(lambda m: m.group(1) + chr(int(m.group(2), 16)), nquads)


def _nquads_metered(quads: list[ox.Quad], hash_algorithm: HashAlgorithm) -> str:
    """Canonicalise with pyld, under the work budget of `canonical_limits`.

    Used when blank nodes name graphs (embedded proofs): pyoxigraph 0.5 labels blank graph
    names differently from RDFC-1.0 (jsonld.js and pyld agree with each other and with the
    spec). Used too when blank nodes look alike, which needs the metered §4.8 work. pyoxigraph
    then re-serialises the result so literals are escaped in the canonical N-Quads form.

    Raises:
        PoisonedDataset: the work budget or the time cap ran out.
    """
    relabelled = canonical_nquads_metered(quads, hash_algorithm)
    parsed = ox.parse(relabelled, ox.RdfFormat.N_QUADS)
    return _unescape_nonchars("".join(sorted(f"{quad} .\n" for quad in parsed)))


def _is_flat(options: JSONObject) -> bool:
    return all(
        isinstance(value, str | int | float | bool)
        or (isinstance(value, list) and all(isinstance(item, str) for item in value))
        for value in options.values()
    )


def _with_proof(document: Canonicalized, proof: Canonicalized) -> Canonicalized:
    return Canonicalized(
        document=document.document,
        proof=proof.document,
        undefined_terms=document.undefined_terms | proof.undefined_terms,
        issuer_dependent_terms=document.issuer_dependent_terms | proof.issuer_dependent_terms,
        relative_iris=document.relative_iris | proof.relative_iris,
        quads=document.quads,
        top=document.top,
    )
