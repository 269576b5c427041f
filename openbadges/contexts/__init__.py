"""The JSON-LD contexts bundled with the library and the offline loader that serves them.

Every context comes from a registry package; ``manifest.json`` records the package, version,
npm integrity and the sha256 of each file (``scripts/vendor_contexts.py`` writes both). Nothing
is ever fetched: a URL that is not bundled raises `ContextNotFound`, so verification cannot be
steered to an attacker's context or stall on the network.
"""

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from openbadges.errors import ContextNotFound, InvalidDocument
from openbadges.jsontypes import JSONObject

__all__ = ["BundledContext", "ContextLoader", "bundled_contexts"]


@dataclass(frozen=True)
class BundledContext:
    """One vendored context file and where it came from."""

    url: str
    file: str
    package: str
    version: str
    sha256: str


@functools.cache
def bundled_contexts() -> Mapping[str, BundledContext]:
    """Return the manifest of bundled contexts, keyed by context URL."""
    manifest = json.loads(resources.files(__package__).joinpath("manifest.json").read_text())
    return MappingProxyType(
        {
            entry["url"]: BundledContext(
                url=entry["url"],
                file=entry["file"],
                package=entry["package"],
                version=entry["version"],
                sha256=entry["sha256"],
            )
            for entry in manifest
        }
    )


@functools.cache
def _read_bundled(url: str) -> JSONObject:
    entry = bundled_contexts()[url]
    data = resources.files(__package__).joinpath(entry.file).read_bytes()
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise ContextNotFound(f"bundled context {url} does not match its recorded sha256")
    document: JSONObject = json.loads(data)
    return document


class ContextLoader:
    """Serves JSON-LD context documents from the bundle, plus any the caller adds.

    Args:
        extra: more context documents by URL, e.g. a test suite's example context. They
            cannot replace a bundled context.
    """

    def __init__(self, extra: Mapping[str, JSONObject] | None = None) -> None:
        self._extra = dict(extra or {})
        clash = set(self._extra) & set(bundled_contexts())
        if clash:
            raise ValueError(f"cannot replace bundled contexts: {sorted(clash)}")

    def load(self, url: str) -> JSONObject:
        """Return the context document for `url`.

        Raises:
            ContextNotFound: `url` is neither bundled nor given as extra.
        """
        if url in self._extra:
            return self._extra[url]
        if url in bundled_contexts():
            return _read_bundled(url)
        raise ContextNotFound(f"unknown JSON-LD context {url!r}: only bundled contexts are used")

    def resolve(self, context: object) -> list[object]:
        """Inline every remote context reference in a ``@context`` value, recursively.

        The result is a list of context definitions (objects or null) that a JSON-LD processor
        can use without a document loader, equivalent to loading each URL. Contexts that
        reference other contexts (``security/v2`` imports ``security/v1``) are inlined too.

        Raises:
            ContextNotFound: a referenced context is not available.
            InvalidDocument: the value is not a valid ``@context``.
        """
        return self._resolve(context, frozenset())

    def _resolve(self, context: object, seen: frozenset[str]) -> list[object]:
        entries = context if isinstance(context, list) else [context]
        resolved: list[object] = []
        for entry in entries:
            if isinstance(entry, str):
                if entry in seen:
                    raise InvalidDocument(f"recursive context inclusion of {entry!r}")
                loaded = self.load(entry).get("@context")
                resolved.extend(self._resolve(loaded, seen | {entry}))
            elif entry is None or isinstance(entry, dict):
                resolved.append(entry)
            else:
                raise InvalidDocument(f"invalid @context entry: {entry!r}")
        return resolved
