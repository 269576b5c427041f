"""Bounded fan-out: one verification fetches, checks and waits only so much.

Reproducers of issue 8's "amplifier": 300 status entries made 300 outbound fetches, and a
JWT whose issuer lists 200 keys made 202. Documents are served by a loopback HTTP server
(allowed through ``fetch_http_hosts``) that counts requests and concurrent connections.
"""

import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from openbadges.keys import KeyPair, generate_key_pair, public_jwk
from openbadges.proofs.jwt import sign_jwt
from openbadges.signing import sign_credential
from openbadges.status import StatusList, status_entry, status_list_credential
from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.domain.verification.verifications import Report, Submission
from service.outbound import SafeFetcher
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.factories import explorer_credential
from tests.service.conftest import PUBLIC_URL, asgi


@dataclass
class Loopback:
    """What the server serves (path → JSON), how slowly, and what it saw."""

    host: str = ""
    documents: dict[str, bytes] = field(default_factory=dict)
    delay: float = 0.0
    requests: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def did(self) -> str:
        return "did:web:" + self.host.replace(":", "%3A")

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def serve(self, path: str, document: Any) -> None:
        self.documents[path] = json.dumps(document).encode()


def handler_for(state: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with state.lock:
                state.requests += 1
                state.in_flight += 1
                state.most_in_flight = max(state.most_in_flight, state.in_flight)
            try:
                time.sleep(state.delay)
                body = state.documents.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")
            finally:
                with state.lock:
                    state.in_flight -= 1

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    state = Loopback()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.host = f"127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


Make = Callable[..., Runtime]


@pytest.fixture
async def make_runtime(
    settings: Settings, connection: AsyncConnection, database: ScratchDatabase
) -> AsyncIterator[Make]:
    built: list[Runtime] = []

    def make(**changes: Any) -> Runtime:
        allowed = Settings(
            **{
                **vars(settings),
                "database_url": database.url,
                "fetch_http_hosts": frozenset({"127.0.0.1"}),
                **changes,
            }
        )
        built.append(Runtime.build(allowed, database=SharedConnectionDatabase(connection)))
        return built[-1]

    yield make
    for runtime in built:
        await runtime.fetcher.close()


def issuer_key(site: Loopback) -> KeyPair:
    key = generate_key_pair(controller=site.did, vm_id=f"{site.did}#key-1")
    site.serve("/.well-known/did.json", key.to_key_file()["controllerDocument"])
    return key


def with_status_lists(site: Loopback, key: KeyPair, count: int) -> dict[str, Any]:
    """A VC 2.0 credential with `count` status entries, each on a list of its own URL."""
    listing = status_list_credential(
        id=site.url("/status/0"),
        issuer=site.did,
        purpose="revocation",
        status_list=StatusList(),
        valid_from="2026-01-01T00:00:00Z",
    )
    signed_list = sign_credential(listing, key)
    for index in range(count):
        site.serve(f"/status/{index}", signed_list)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:8f1d6a52-6c0b-4d7e-a0f6-2b7f6f1c9e11",
        "type": ["VerifiableCredential"],
        "issuer": site.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:marie"},
        "credentialStatus": [
            status_entry(site.url(f"/status/{index}"), 7, "revocation") for index in range(count)
        ],
    }
    return sign_credential(credential, key)


def budget_of(report: Report) -> dict[str, Any]:
    (check,) = [c for c in report.checks if c["code"] == "budget"]
    return check


@pytest.mark.no_sql
async def test_a_few_status_entries_verify_with_one_fetch_each(
    loopback: Loopback, make_runtime: Make
) -> None:
    credential = with_status_lists(loopback, issuer_key(loopback), 3)

    report = await make_runtime().verifications().verify(Submission(credential=credential))

    assert report.verdict == "valid", report
    assert loopback.requests == 4  # the DID document once, and three lists


@pytest.mark.no_sql
async def test_300_status_entries_stop_at_the_status_budget(
    loopback: Loopback, make_runtime: Make
) -> None:
    credential = with_status_lists(loopback, issuer_key(loopback), 300)

    report = await make_runtime().verifications().verify(Submission(credential=credential))

    assert loopback.requests == 11  # was 301: the DID document and ten lists
    assert budget_of(report)["detail"]["limit"] == "status-entries"
    assert report.verdict == "unverifiable"
    assert report.verdict_reason == "budget"


@pytest.mark.no_sql
async def test_300_status_entries_stop_at_the_fetch_budget(
    loopback: Loopback, make_runtime: Make
) -> None:
    credential = with_status_lists(loopback, issuer_key(loopback), 300)
    runtime = make_runtime(verify_max_status_entries=300, verify_max_fetches=20)

    report = await runtime.verifications().verify(Submission(credential=credential))

    assert loopback.requests == 20
    budget = budget_of(report)
    assert budget["detail"] == {
        "limit": "fetches",
        "max": 20,
        "reason": "stopped after 20 documents fetched",
        "cause": "budget",
    }
    assert report.verdict == "unverifiable"


@pytest.mark.no_sql
async def test_jwt_whose_issuer_lists_200_keys_tries_only_the_budget(
    loopback: Loopback, make_runtime: Make
) -> None:
    did = loopback.did
    keys = [generate_key_pair(controller=did, vm_id=f"{did}#key-{i}") for i in range(200)]
    signer = keys[-1]
    loopback.serve("/jwk", public_jwk(signer.public_key))
    loopback.serve(
        "/.well-known/did.json",
        {
            **keys[0].to_key_file()["controllerDocument"],
            "verificationMethod": [key.verification_method() for key in keys],
            "assertionMethod": [key.id for key in keys],
        },
    )
    token = sign_jwt(explorer_credential(did), signer, kid=loopback.url("/jwk"))

    report = await make_runtime().verifications().verify(Submission(jwt=token))

    assert loopback.requests == 2  # was 202: the bare JWK and the DID document, once
    assert budget_of(report)["detail"]["limit"] == "keys"
    assert report.verdict == "unverifiable"


@pytest.mark.no_sql
async def test_a_slow_server_is_cut_at_the_time_budget(
    loopback: Loopback, make_runtime: Make
) -> None:
    loopback.delay = 3.0
    credential = sign_credential(explorer_credential(loopback.did), issuer_key(loopback))
    runtime = make_runtime(verify_timeout_seconds=0.5)

    started = time.monotonic()
    report = await runtime.verifications().verify(Submission(credential=credential))
    elapsed = time.monotonic() - started

    assert elapsed < 1.0, elapsed
    assert budget_of(report)["detail"]["limit"] == "time"
    assert report.verdict == "unverifiable"


@pytest.mark.no_sql
async def test_the_api_reports_the_budget_in_french(
    loopback: Loopback,
    settings: Settings,
    connection: AsyncConnection,
    database: ScratchDatabase,
) -> None:
    credential = with_status_lists(loopback, issuer_key(loopback), 300)
    app = create_app(
        Settings(
            **{
                **vars(settings),
                "database_url": database.url,
                "fetch_http_hosts": frozenset({"127.0.0.1"}),
            }
        ),
        database=SharedConnectionDatabase(connection),
    )

    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        response = await client.post(
            "/api/v1/verifications",
            json={"credential": credential},
            headers={"Accept-Language": "fr"},
        )

    report = response.json()
    assert response.status_code == 200
    assert loopback.requests <= 20
    assert report["verdict"] == "unverifiable"
    assert report["verdictReason"] == "budget"
    (budget,) = [c for c in report["checks"] if c["code"] == "budget"]
    assert budget["status"] == "failed"
    assert budget["message"].startswith("La vérification a atteint sa limite")


async def test_the_fetcher_keeps_two_requests_in_flight_per_host(loopback: Loopback) -> None:
    loopback.delay = 0.2
    for index in range(8):
        loopback.serve(f"/doc/{index}", {"id": index})
    fetcher = SafeFetcher(http_hosts=frozenset({"127.0.0.1"}), per_host=2)

    async with anyio.create_task_group() as group:
        for index in range(8):
            group.start_soon(fetcher.get_json, loopback.url(f"/doc/{index}"))
    await fetcher.close()

    assert loopback.requests == 8
    assert loopback.most_in_flight == 2


@pytest.mark.no_sql
async def test_concurrent_verifications_share_the_per_host_limit(
    loopback: Loopback, make_runtime: Make
) -> None:
    loopback.delay = 0.1
    key = issuer_key(loopback)
    credential = with_status_lists(loopback, key, 3)
    verifier = make_runtime().verifications()
    reports: list[Report] = []

    async def verify_one() -> None:
        reports.append(await verifier.verify(Submission(credential=credential)))

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(verify_one)

    assert [r.verdict for r in reports] == ["valid"] * 5
    assert loopback.most_in_flight == 2
