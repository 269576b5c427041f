"""The term tables of the bundled JSON-LD contexts, compiled once per process.

A small JSON-LD 1.1 context processor (https://www.w3.org/TR/json-ld11-api/#context-processing-
algorithms) for the features the bundled VC 2.0, Data Integrity, Bitstring Status List and
OB 3.0 contexts use: simple and expanded term definitions with ``@id``, ``@type``,
``@container``, ``@protected`` and scoped ``@context``; compact IRIs; ``id``/``type`` aliases.
Anything else (``@vocab``, ``@base``, ``@language``, ``@reverse``, ``@nest``, ``@import``,
``@propagate``, a null context, a non-bundled context, a protected term redefined
differently) raises `Unsupported`, and the caller falls back to the general JSON-LD path.

Every processed context is memoised on the context it was applied to, so after the first
credential of a shape no context is processed again: expanding a credential is only dictionary
look-ups.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from openbadges.contexts import _read_bundled, bundled_contexts

__all__ = ["ActiveContext", "Term", "Unsupported", "initial_context", "is_absolute_iri"]

_GEN_DELIMS = frozenset(":/?#[]@")
# Conservative: printable ASCII without the characters an IRI may not hold, and well-formed
# percent escapes; anything else (Unicode, dot segments) goes to the general path.
_SAFE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[!#$&-;=?-Z_a-z~]|%[0-9A-Fa-f]{2})*")
_AUTHORITY = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?[A-Za-z0-9\-._~!$&'()*+,;=%]*(?::[0-9]*)?(?:[/?#].*)?"
)
_TERM_KEYS = frozenset({"@id", "@type", "@container", "@context", "@protected"})
_CONTAINERS = frozenset({"@set", "@graph", "@list"})


class Unsupported(Exception):
    """The compiled path does not fully understand this input; use the general path."""


@dataclass(frozen=True)
class Term:
    """One term definition: its IRI (or keyword), type mapping, container and scoped context."""

    iri: str
    type: str | None = None
    container: str | None = None
    scoped: Any = None  # the raw local context, processed when the term is used
    protected: bool = False
    prefix: bool = False

    def same_as(self, other: "Term") -> bool:
        """JSON-LD 1.1 §4.1 step 27: a protected term may only be redefined identically."""
        return (self.iri, self.type, self.container, self.prefix) == (
            other.iri,
            other.type,
            other.container,
            other.prefix,
        ) and self.scoped is other.scoped


@dataclass(eq=False)
class ActiveContext:
    """An active context: term definitions, and the context a type-scoped one reverts to."""

    terms: dict[str, Term]
    previous: "ActiveContext | None" = None
    id_keys: frozenset[str] = frozenset({"@id"})
    type_keys: frozenset[str] = frozenset({"@type"})
    _derived: dict[tuple[int, bool, bool], tuple[object, "ActiveContext"]] = field(
        default_factory=dict, repr=False
    )

    def apply(
        self, local: object, *, propagate: bool = True, override_protected: bool = False
    ) -> "ActiveContext":
        """The context that results from processing `local` on this one (memoised)."""
        key = (id(local), propagate, override_protected)
        known = self._derived.get(key)
        if known is not None and known[0] is local:
            return known[1]
        result = _process(self, local, propagate=propagate, override=override_protected)
        self._derived[key] = (local, result)  # `local` is kept alive, so its id stays unique
        return result

    def expand_vocab(self, value: str) -> str:
        """IRI expansion with ``vocab`` true, for types and ``@vocab``-typed values."""
        term = self.terms.get(value)
        if term is not None:
            if term.iri.startswith("@"):
                raise Unsupported(f"keyword alias {value!r} used as a value")
            return term.iri
        return self.expand_iri(value)

    def expand_iri(self, value: str) -> str:
        """IRI expansion of a document-relative value: only absolute IRIs are accepted."""
        prefix, colon, _ = value.partition(":")
        if not colon or prefix == "_" or prefix in self.terms:
            raise Unsupported(f"not an absolute IRI: {value!r}")
        if not is_absolute_iri(value):
            raise Unsupported(f"an IRI the compiled path does not check: {value!r}")
        return value


def is_absolute_iri(value: str) -> bool:
    """An absolute IRI the compiled path can pass through unchanged."""
    return (
        _SAFE_IRI.fullmatch(value) is not None
        and ("//" not in value or _AUTHORITY.fullmatch(value) is not None)
        and "/./" not in value
        and "/../" not in value
        and not value.endswith(("/.", "/.."))
    )


_INITIAL: dict[tuple[str, ...], ActiveContext] = {}


def initial_context(context: object) -> ActiveContext:
    """The active context of a document whose ``@context`` is `context` (bundled URLs only)."""
    urls = tuple(context) if isinstance(context, list) else (context,)
    if not all(isinstance(url, str) for url in urls):
        raise Unsupported("the compiled path knows only bundled contexts")
    known = _INITIAL.get(urls)
    if known is not None:
        return known
    if not all(url in bundled_contexts() for url in urls):
        raise Unsupported("the compiled path knows only bundled contexts")
    active = ActiveContext({})
    for url in urls:
        active = _process(active, url, propagate=True, override=False)
    _INITIAL[urls] = active
    return active


def _process(
    active: ActiveContext, local: object, *, propagate: bool, override: bool
) -> ActiveContext:
    """JSON-LD 1.1 §4.1 Context Processing, restricted to the supported features."""
    result = ActiveContext(dict(active.terms), active.previous, active.id_keys, active.type_keys)
    if not propagate and result.previous is None:
        result.previous = active
    for entry in local if isinstance(local, list) else [local]:
        if isinstance(entry, str):
            if entry not in bundled_contexts():
                raise Unsupported(f"context {entry!r} is not bundled")
            entry = _read_bundled(entry).get("@context")
            nested = _process(result, entry, propagate=True, override=override)
            result.terms, result.id_keys, result.type_keys = (
                nested.terms,
                nested.id_keys,
                nested.type_keys,
            )
            continue
        if not isinstance(entry, dict):
            raise Unsupported("null or non-object contexts")
        _define_all(result, entry, override=override)
    return result


def _define_all(result: ActiveContext, local: dict[str, Any], *, override: bool) -> None:
    protected = local.get("@protected", False)
    for key in local:
        if key.startswith("@") and key not in ("@protected", "@version"):
            raise Unsupported(f"context keyword {key}")
    if local.get("@version", 1.1) != 1.1 or not isinstance(protected, bool):
        raise Unsupported("unexpected @version or @protected")
    defined: dict[str, bool] = {}
    for term in local:
        if not term.startswith("@"):
            _define(result, local, term, defined, protected=protected, override=override)


def _define(
    result: ActiveContext,
    local: dict[str, Any],
    term: str,
    defined: dict[str, bool],
    *,
    protected: bool,
    override: bool,
) -> None:
    """JSON-LD 1.1 §4.2 Create Term Definition, restricted to the supported features."""
    if defined.get(term):
        return
    if term in defined:
        raise Unsupported("cyclic IRI mapping")
    defined[term] = False
    value = local[term]
    simple = isinstance(value, str)
    if simple:
        value = {"@id": value}
    if (
        not isinstance(value, dict)
        or not set(value) <= _TERM_KEYS
        or "@id" not in value
        or ":" in term
        or "/" in term
    ):
        raise Unsupported(f"term definition of {term!r}")
    iri = value["@id"]
    if iri not in ("@id", "@type"):
        iri = _expand_definition(
            result, local, iri, defined, protected=protected, override=override
        )
    definition = Term(
        iri=iri,
        type=_type_mapping(result, local, value.get("@type"), defined, protected, override),
        container=_container(value.get("@container")),
        scoped=value.get("@context"),
        protected=value.get("@protected", protected) is True,
        prefix=simple and iri[-1:] in _GEN_DELIMS,
    )
    previous = result.terms.get(term)
    if previous is not None and previous.protected and not override:
        if not previous.same_as(definition):
            raise Unsupported(f"protected term {term!r} redefined")
        definition = previous
    result.terms[term] = definition
    if iri == "@id":
        result.id_keys = result.id_keys | {term}
    elif iri == "@type":
        result.type_keys = result.type_keys | {term}
    defined[term] = True


def _type_mapping(
    result: ActiveContext,
    local: dict[str, Any],
    value: object,
    defined: dict[str, bool],
    protected: bool,
    override: bool,
) -> str | None:
    if value is None or value in ("@id", "@vocab", "@json"):
        return value
    if not isinstance(value, str) or value.startswith("@"):
        raise Unsupported(f"type mapping {value!r}")
    return _expand_definition(result, local, value, defined, protected=protected, override=override)


def _container(value: object) -> str | None:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value is None or value in _CONTAINERS:
        return value
    raise Unsupported(f"container {value!r}")


def _expand_definition(
    result: ActiveContext,
    local: dict[str, Any],
    value: object,
    defined: dict[str, bool],
    *,
    protected: bool,
    override: bool,
) -> str:
    """IRI expansion (vocab true) inside a context, defining what `value` depends on first."""
    if not isinstance(value, str) or value.startswith("@"):
        raise Unsupported(f"IRI mapping {value!r}")
    prefix, colon, suffix = value.partition(":")
    name = prefix if colon else value
    if name in local and not name.startswith("@"):
        _define(result, local, name, defined, protected=protected, override=override)
    if colon:
        if suffix.startswith("//") or prefix == "_":
            return _checked(value)
        term = result.terms.get(prefix)
        if term is not None and term.prefix:
            return _checked(term.iri + suffix)
        return _checked(value)
    term = result.terms.get(value)
    if term is None or term.iri.startswith("@"):
        raise Unsupported(f"relative IRI mapping {value!r}")
    return term.iri


def _checked(iri: str) -> str:
    if not is_absolute_iri(iri):
        raise Unsupported(f"IRI mapping {iri!r}")
    return iri
