import hashlib
import json
from importlib import resources

import pytest

from openbadges.contexts import ContextLoader, bundled_contexts
from openbadges.errors import ContextNotFound

REQUIRED = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    "https://w3id.org/security/multikey/v1",
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/data-integrity/v2",
]


def test_every_required_context_is_bundled() -> None:
    assert set(REQUIRED) <= set(bundled_contexts())


@pytest.mark.parametrize("url", sorted(bundled_contexts()))
def test_bundled_file_matches_its_recorded_sha256_and_package(url: str) -> None:
    entry = bundled_contexts()[url]
    data = resources.files("openbadges.contexts").joinpath(entry.file).read_bytes()

    assert hashlib.sha256(data).hexdigest() == entry.sha256
    assert entry.package
    assert entry.version
    assert "@context" in json.loads(data)
    assert ContextLoader().load(url) == json.loads(data)


def test_manifest_lists_every_file() -> None:
    folder = resources.files("openbadges.contexts")
    files = {item.name for item in folder.iterdir() if item.name.endswith(".jsonld")}

    assert files == {entry.file for entry in bundled_contexts().values()}


@pytest.mark.parametrize(
    "url", ["https://evil.example/ctx", "http://www.w3.org/ns/credentials/v2", ""]
)
def test_unknown_urls_fail_closed(url: str) -> None:
    with pytest.raises(ContextNotFound):
        ContextLoader().load(url)


def test_extra_contexts_cannot_replace_bundled_ones() -> None:
    with pytest.raises(ValueError, match="replace"):
        ContextLoader({"https://www.w3.org/ns/credentials/v2": {"@context": {}}})


def test_nested_context_references_are_inlined() -> None:
    resolved = ContextLoader().resolve(["https://w3id.org/security/v2"])

    v1 = ContextLoader().resolve(["https://w3id.org/security/v1"])
    assert all(isinstance(entry, dict) for entry in resolved)
    assert v1[0] in resolved  # security/v2 imports security/v1 by URL
    assert "https://w3id.org/security/v1" not in resolved
