"""Open Badges 2.0 through the verification API: hosted and signed assertions whose issuer's
documents a real HTTP server on loopback serves (allowed by the ``fetch_http_hosts`` setting).

The documents are shared/ob2-examples' hosted assertion, BadgeClass, Issuer and revocation
list moved to the loopback server's address; the signed assertions are signed here with a new
RSA key, since moving a published JWS would break its signature.
"""

import copy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import PUBLIC_URL, asgi

OB2 = "https://w3id.org/openbadges/v2"
RECIPIENT = "nobody@example.org"  # the hashed identity of shared/ob2-examples/01


class Issuer(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}  # noqa: RUF012 - filled by the fixture

    def do_GET(self) -> None:
        status, body = self.routes.get(self.path, (404, b""))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Issuer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def moved(path: Path, base: str) -> dict[str, Any]:
    text = path.read_text().replace("https://example.org", base).replace("http://example.org", base)
    document: dict[str, Any] = json.loads(text)
    return document


@pytest.fixture
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def documents(shared: Path, base: str, key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """URL path → document: the moved examples, and the issuer's key and revocation list."""
    served = shared / "ob2-examples" / "served"
    issuer = moved(served / "organization-with-revocation-list.json", base)
    issuer["publicKey"] = f"{base}/key.json"
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    badge = moved(served / "robotics-badge.json", base)
    badge["issuer"] = issuer["id"]
    found = {
        "/organization-with-revocation-list.json": issuer,
        "/robotics-badge.json": badge,
        "/revocation-list.json": moved(served / "empty-revocation-list.json", base),
        "/key.json": {
            "@context": OB2,
            "id": f"{base}/key.json",
            "type": "CryptographicKey",
            "owner": issuer["id"],
            "publicKeyPem": pem.decode(),
        },
        "/beths-robotics-badge.json": moved(shared / "ob2-examples" / "01-hosted-valid.json", base),
    }
    found["/revocation-list.json"]["id"] = f"{base}/revocation-list.json"
    return found


def serve(documents: dict[str, Any], **statuses: int) -> None:
    Issuer.routes = {
        path: (statuses.get(path.strip("/").replace(".json", ""), 200), json.dumps(doc).encode())
        for path, doc in documents.items()
    }


@pytest.fixture
def foreign_app(
    settings: Settings, connection: AsyncConnection, database: ScratchDatabase
) -> Litestar:
    allowed = Settings(
        **{
            **vars(settings),
            "database_url": database.url,
            "fetch_http_hosts": frozenset({"127.0.0.1"}),
        }
    )
    return create_app(allowed, database=SharedConnectionDatabase(connection))


async def check(app: Litestar, body: dict[str, Any], language: str = "en") -> dict[str, Any]:
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        response = await client.post(
            "/api/v1/verifications", json=body, headers={"Accept-Language": language}
        )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def hosted(documents: dict[str, Any]) -> dict[str, Any]:
    assertion: dict[str, Any] = copy.deepcopy(documents["/beths-robotics-badge.json"])
    return assertion


def signed(documents: dict[str, Any], key: rsa.RSAPrivateKey, **changes: Any) -> str:
    assertion = hosted(documents)
    assertion["verification"] = {"type": "signed", "creator": documents["/key.json"]["id"]}
    assertion.update(changes)
    return jwt.encode(assertion, key, algorithm="RS256")


@pytest.mark.no_sql
async def test_hosted_assertion_is_valid_by_value_and_by_link(
    foreign_app: Litestar, documents: dict[str, Any]
) -> None:
    serve(documents)
    assertion = hosted(documents)

    by_value = await check(
        foreign_app, {"credential": assertion, "recipient": {"email": RECIPIENT.upper()}}
    )
    by_link = await check(foreign_app, {"url": assertion["id"]}, "fr")

    assert (by_value["verdict"], by_link["verdict"]) == ("valid", "valid"), by_value
    assert {c["code"]: c["status"] for c in by_value["checks"]}["recipient"] == "passed"
    assert by_link["headline"].startswith("Ce badge est authentique et valide")


@pytest.mark.no_sql
async def test_hosted_assertion_answering_410_with_its_body_is_revoked(
    foreign_app: Litestar, documents: dict[str, Any]
) -> None:
    assertion = hosted(documents)
    documents["/beths-robotics-badge.json"] = {
        "@context": OB2,
        "id": assertion["id"],
        "revoked": True,
        "revocationReason": "Attribué par erreur",
    }
    serve(documents, **{"beths-robotics-badge": 410})

    reports = [await check(foreign_app, {"credential": assertion}, lang) for lang in ("en", "fr")]
    by_link = await check(foreign_app, {"url": assertion["id"]})

    for report in (*reports, by_link):
        assert (report["verdict"], report["verdictReason"]) == ("invalid", "hosted"), report
    assert "revoked" in reports[0]["headline"]
    assert "révoqué" in reports[1]["headline"]


@pytest.mark.no_sql
async def test_hosted_assertion_answering_410_without_a_notice_is_unverifiable(
    foreign_app: Litestar, documents: dict[str, Any]
) -> None:
    assertion = hosted(documents)
    documents["/beths-robotics-badge.json"] = ["not", "a", "notice"]
    serve(documents, **{"beths-robotics-badge": 410})

    report = await check(foreign_app, {"credential": assertion})

    assert (report["verdict"], report["verdictReason"]) == ("unverifiable", "hosted")


@pytest.mark.no_sql
async def test_hosted_assertion_whose_issuer_is_offline_is_unverifiable(
    foreign_app: Litestar, documents: dict[str, Any]
) -> None:
    assertion = hosted(documents)
    del documents["/beths-robotics-badge.json"]
    serve(documents)

    for language, words in (("en", "could not be verified"), ("fr", "n'a pas pu être vérifié")):
        report = await check(foreign_app, {"credential": assertion}, language)
        assert report["verdict"] == "unverifiable", report
        assert words in report["headline"]
        assert report["summary"].get("unverified") is True


@pytest.mark.no_sql
async def test_signed_assertion_is_valid_and_tampering_fails_it(
    foreign_app: Litestar, documents: dict[str, Any], key: rsa.RSAPrivateKey
) -> None:
    serve(documents)
    token = signed(documents, key)
    header, _, signature = token.split(".")
    other = signed(documents, key, issuedOn="2015-01-01T00:00:00Z").split(".")[1]

    good = await check(foreign_app, {"jwt": token})
    forged = await check(foreign_app, {"jwt": f"{header}.{other}.{signature}"})

    assert good["verdict"] == "valid", good
    assert (forged["verdict"], forged["verdictReason"]) == ("invalid", "proof")


@pytest.mark.no_sql
async def test_signed_assertion_with_a_key_off_the_issuers_origin_is_invalid(
    foreign_app: Litestar, documents: dict[str, Any], key: rsa.RSAPrivateKey, base: str
) -> None:
    # OB 2.0: the signing key must be on the issuer's origin (here, a host the issuer's id
    # does not name, though the fetcher could reach it).
    elsewhere = base.replace("127.0.0.1", "localhost") + "/key.json"
    documents["/key.json"]["id"] = elsewhere
    serve(documents)
    token = signed(documents, key)

    report = await check(foreign_app, {"jwt": token})

    assert (report["verdict"], report["verdictReason"]) == ("invalid", "issuer-key"), report


@pytest.mark.no_sql
async def test_signed_assertion_in_the_issuers_revocation_list_is_revoked(
    foreign_app: Litestar, documents: dict[str, Any], key: rsa.RSAPrivateKey
) -> None:
    token = signed(documents, key)
    documents["/revocation-list.json"]["revokedAssertions"] = [
        {"id": hosted(documents)["id"], "revocationReason": "Erreur"}
    ]
    serve(documents)

    report = await check(foreign_app, {"jwt": token}, "fr")

    assert (report["verdict"], report["verdictReason"]) == ("invalid", "status"), report
    assert "révoqué" in report["headline"]
