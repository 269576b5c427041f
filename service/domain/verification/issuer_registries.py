"""Issuer registries an operator loads from files: who vouches for which issuer DID.

The format is the Digital Credentials Consortium's static registry (the ``dcc-legacy`` type
of their verifier-core and issuer-registry-client, e.g. ``digitalcredentials.github.io/
community-registry/registry.json``)::

    {"meta": {"name": "…", "created": "…", "updated": "…"},
     "registry": {"did:web:example.org": {"name": "…", "url": "https://…", "location": "…"}}}

(``entries`` is accepted for ``registry``.) The files are read once, when a process starts;
nothing is fetched at run time. When a DID is in several registries, the first file given
wins, as the DCC client does: list them from the most authoritative down.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RegistryEntry:
    """What a registry says about an issuer DID."""

    registry: str  # the registry's name (its meta.name, else the file's name)
    name: str
    url: str | None = None
    location: str | None = None


class RegistryFileError(ValueError):
    """A registry file is missing or not in the DCC format."""


def load_registries(paths: Iterable[Path]) -> Mapping[str, RegistryEntry]:
    """Every issuer DID the files list, with the first file's entry for each.

    Raises:
        RegistryFileError: a file cannot be read or is not a DCC registry.
    """
    known: dict[str, RegistryEntry] = {}
    for path in paths:
        for did, entry in _read(path).items():
            known.setdefault(did, entry)
    return known


def _read(path: Path) -> dict[str, RegistryEntry]:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise RegistryFileError(f"issuer registry {path}: {error}") from None
    entries = (
        document.get("registry", document.get("entries")) if isinstance(document, dict) else None
    )
    if not isinstance(entries, dict):
        raise RegistryFileError(f"issuer registry {path}: no 'registry' object of DIDs")
    meta = document.get("meta")
    registry = meta.get("name") if isinstance(meta, dict) else None
    registry = registry if isinstance(registry, str) and registry else path.stem
    found = {}
    for did, entry in entries.items():
        if not did.startswith("did:") or not isinstance(entry, dict):
            raise RegistryFileError(f"issuer registry {path}: {did!r} is not a DID with an entry")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RegistryFileError(f"issuer registry {path}: {did} has no name")
        found[did] = RegistryEntry(
            registry=registry,
            name=name.strip(),
            url=_text(entry.get("url")),
            location=_text(entry.get("location")),
        )
    return found


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
