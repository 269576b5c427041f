"""Open Badges 2.0 hosted, signed and baked assertions: shared/ob2-examples and its served files."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from openbadges.resolver import StaticResolver
from openbadges.verification import verify
from tests.openbadges.verification.conftest import NOW

HOSTED_ID = "https://example.org/beths-robotics-badge.json"
RECIPIENT = "nobody@example.org"

# What SOURCES.md says of each file: the verdict and the check that decides it.
EXPECTED = {
    "01-hosted-valid.json": ("valid", None),
    "02-hosted-expired.json": ("invalid", "valid-until"),
    "03-hosted-expires-before-issued.json": ("invalid", "valid-until"),
    "04-hosted-issued-in-future.json": ("invalid", "valid-from"),
    "05-hosted-invalid-context.json": ("invalid", "context"),
    "06-hosted-invalid-type.json": ("invalid", "context"),
    "07-hosted-data-uri-image-in-assertion.json": ("invalid", "schema"),
    "08-signed-valid.jwt": ("valid", None),
    "09-signed-not-revoked.jwt": ("valid", None),
    "10-signed-revoked.jwt": ("invalid", "status"),
    "11-baked-png-hosted.png": ("valid", None),
}


def served(shared: Path) -> dict[str, Any]:
    """Each served file at the URL SOURCES.md gives: keys and revocation lists over http."""
    documents = {}
    for path in (shared / "ob2-examples" / "served").glob("*.json"):
        if path.name.endswith("-410.json"):
            continue
        plain = path.name.startswith(("key", "empty-revocation", "revocation"))
        documents[("http" if plain else "https") + "://example.org/" + path.name] = json.loads(
            path.read_text()
        )
    return documents


def resolver_for(shared: Path, name: str, **extra: Any) -> StaticResolver:
    documents = served(shared)
    hosted = name if name.endswith(".json") else "01-hosted-valid.json"
    documents[HOSTED_ID] = json.loads((shared / "ob2-examples" / hosted).read_text())
    documents.update(extra)
    return StaticResolver(documents)


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_shared_example_gets_its_verdict(shared: Path, name: str) -> None:
    data = (shared / "ob2-examples" / name).read_bytes()

    result = await verify(data, resolver=resolver_for(shared, name), now=NOW, recipient=RECIPIENT)

    decisive = result.verdict_check
    assert (result.verdict, decisive.code if decisive else None) == EXPECTED[name], result.to_json()
    assert result.to_json("fr")["headline"]


async def test_recipient_is_matched_case_insensitively_and_another_fails(shared: Path) -> None:
    data = (shared / "ob2-examples" / "01-hosted-valid.json").read_bytes()
    resolver = resolver_for(shared, "01-hosted-valid.json")

    typed = await verify(data, resolver=resolver, now=NOW, recipient="Nobody@Example.ORG")
    other = await verify(data, resolver=resolver, now=NOW, recipient="otheremail@example.org")

    assert typed.verdict == "valid"
    assert (other.verdict, other.verdict_check and other.verdict_check.code) == (
        "invalid",
        "recipient",
    )


async def test_revoked_hosted_assertion_410_body_is_revoked(shared: Path) -> None:
    body = json.loads(
        (shared / "ob2-examples/served/beths-robotics-badge.revoked-410.json").read_text()
    )
    data = (shared / "ob2-examples" / "01-hosted-valid.json").read_bytes()

    result = await verify(data, resolver=resolver_for(shared, "01", **{HOSTED_ID: body}), now=NOW)

    (hosted,) = [c for c in result.checks if c.code == "hosted"]
    assert (result.verdict, hosted.status, hosted.cause) == ("invalid", "failed", "revoked")
    assert "revoked" in result.to_json()["headline"]


async def test_tampered_signed_assertion_fails_its_signature(shared: Path) -> None:
    header, payload, signature = (
        (shared / "ob2-examples/08-signed-valid.jwt").read_text().split(".")
    )
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["issuedOn"] = "2017-01-01T00:00:00Z"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    result = await verify(
        f"{header}.{forged}.{signature}", resolver=resolver_for(shared, "08"), now=NOW
    )

    assert (result.verdict, result.verdict_check and result.verdict_check.code) == (
        "invalid",
        "proof",
    )


async def test_signed_with_another_issuers_key_fails_the_binding(shared: Path) -> None:
    token = (shared / "ob2-examples/09-signed-not-revoked.jwt").read_bytes()
    documents = served(shared)
    key2 = documents["http://example.org/key2.json"]
    documents["http://example.org/key2.json"] = {**key2, "owner": "https://example.org/other"}

    result = await verify(token, resolver=StaticResolver(documents), now=NOW)

    assert {c.code for c in result.checks if c.status == "failed"} == {"issuer-key"}


async def test_unreachable_hosted_copy_is_unverifiable(shared: Path) -> None:
    data = (shared / "ob2-examples" / "01-hosted-valid.json").read_bytes()

    result = await verify(data, resolver=StaticResolver(served(shared)), now=NOW)

    assert (result.verdict, result.verdict_check and result.verdict_check.code) == (
        "unverifiable",
        "hosted",
    )


async def test_svg_stub_is_extracted_then_refused(shared: Path) -> None:
    data = (shared / "ob2-examples/12-baked-svg-bakery-extraction-only.svg").read_bytes()

    result = await verify(data, resolver=StaticResolver(), now=NOW)

    assert result.verdict == "invalid"
    assert result.credential == {"verify": {"url": "http://example.org"}}


def with_policy(documents: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
    return {
        url: {**document, "verification": policy} if "organization" in url else document
        for url, document in documents.items()
    }


@pytest.mark.parametrize(
    ("policy", "is_allowed"),
    [
        ({}, True),  # by default, the host of the issuer's id (example.org)
        ({"allowedOrigins": "keys.example.net"}, False),
        ({"allowedOrigins": ["keys.example.net", "example.org"]}, True),
        ({"startsWith": "http://example.org/keys/"}, False),
        ({"startsWith": ["http://example.org/key"]}, True),
    ],
)
async def test_signing_key_must_be_on_the_issuers_origin(
    shared: Path, policy: dict[str, Any], is_allowed: bool
) -> None:
    token = (shared / "ob2-examples/09-signed-not-revoked.jwt").read_bytes()
    documents = with_policy(served(shared), {"type": "SignedBadge", **policy})

    result = await verify(token, resolver=StaticResolver(documents), now=NOW)

    (binding,) = [c for c in result.checks if c.code == "issuer-key"]
    assert (binding.status == "passed") is is_allowed, binding
    assert result.verdict == ("valid" if is_allowed else "invalid")
