"""Employers verifying badges through the API: Insigne's own and other issuers'."""

import asyncio
import copy
import io
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import png
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from openbadges import offload
from openbadges.baking import bake
from openbadges.keys import generate_key_pair, public_jwk
from openbadges.proofs.jwt import sign_jwt
from openbadges.signing import sign_credential
from openbadges.status import StatusList, status_entry, status_list_credential
from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.domain.clock import utc_now
from service.limits import RateLimits, caller_key
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.factories import explorer_credential
from tests.openbadges.test_offload import steps
from tests.service.conftest import PUBLIC_URL, Getter, asgi, revoke
from tests.service.factories import completion
from tests.threads import slow_steps


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion(),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def check(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = await client.post("/api/v1/verifications", json=body, headers=headers)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def failed(report: dict[str, Any]) -> set[str]:
    return {c["code"] for c in report["checks"] if c["status"] == "failed"}


@pytest.mark.parametrize("form", ["credential", "jwt", "url"])
async def test_own_badge_verifies_in_every_form(
    client: httpx.AsyncClient, issued: dict[str, Any], form: str
) -> None:
    value = {"credential": issued["credential"], "jwt": issued["jwt"], "url": issued["url"]}[form]

    report = await check(
        client, {form: value, "recipient": {"email": "marie.tremblay@exemple.qc.ca"}}
    )

    assert report["verified"] is True, report
    codes = {c["code"]: c["status"] for c in report["checks"]}
    assert codes["known-issuer"] == "passed"
    assert codes["recipient"] == "passed"
    assert report["summary"]["achievement"]["name"] == "Leadership pédagonumérique 1 – Explorateur"
    assert report["summary"]["recipient"]["name"] == "Marie Tremblay"


async def test_link_by_get(client: httpx.AsyncClient, issued: dict[str, Any]) -> None:
    response = await client.get("/api/v1/verifications", params={"url": issued["url"]})

    assert response.json()["verified"] is True


@pytest.mark.parametrize("kind", ["png", "svg"])
async def test_baked_image_upload(
    client: httpx.AsyncClient, issued: dict[str, Any], kind: str
) -> None:
    if kind == "png":
        buffer = io.BytesIO()
        png.Writer(1, 1, greyscale=True).write(buffer, [[200]])
        image = bake(buffer.getvalue(), issued["credential"])
    else:
        image = bake(
            b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', issued["jwt"]
        )

    response = await client.post(
        "/api/v1/verifications",
        files={"file": (f"badge.{kind}", image)},
        data={"recipientEmail": "autre@exemple.qc.ca"},
    )

    report = response.json()
    assert failed(report) == {"recipient"}
    assert "baked image" in report["checks"][0]["detail"]["reason"]


async def test_french_messages_keep_codes_stable(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    tampered = copy.deepcopy(issued["credential"])
    tampered["credentialSubject"]["achievement"]["name"] = "Leadership pédagonumérique 3 – Expert"

    report = await check(
        client, {"credential": tampered}, **{"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
    )

    assert report["verified"] is False
    (proof,) = [c for c in report["checks"] if c["code"] == "proof"]
    assert proof["status"] == "failed"
    assert proof["message"].startswith("La signature ne correspond pas")
    assert "signature" in proof["detail"]["reason"]


async def test_revoked_badge_fails_the_status_check(
    client: httpx.AsyncClient, issued: dict[str, Any], session: AsyncSession, runtime: Runtime
) -> None:
    await revoke(session, runtime, uuid.UUID(issued["id"]))
    await session.commit()

    report = await check(client, {"url": issued["url"]})

    assert failed(report) == {"status"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"jwt": "a.b.c", "url": "https://example.org/x"}, 422),
        ({"credential": "not an object"}, 422),
        ({"surprise": 1}, 422),
        ({"url": "ftp://example.org/badge"}, 422),
    ],
)
@pytest.mark.no_sql
async def test_bad_requests(client: httpx.AsyncClient, body: dict[str, Any], status: int) -> None:
    response = await client.post("/api/v1/verifications", json=body)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.no_sql
async def test_malformed_json_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/verifications", content=b"{", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400


@pytest.mark.no_sql
async def test_malformed_credentials_get_a_report_not_an_error(client: httpx.AsyncClient) -> None:
    report = await check(client, {"jwt": "eyJhbGciOiJub25lIn0.e30."})

    assert report["verified"] is False
    assert "proof" in failed(report)  # alg none: the signature step refuses it


@pytest.mark.no_sql
async def test_wild_did_key_credential_verifies_offline(
    client: httpx.AsyncClient, shared: Path
) -> None:
    credential = json.loads((shared / "wild-corpus/001-dcc-v2-di-didkey-basic.json").read_text())

    report = await check(client, {"credential": credential})

    assert report["verified"] is True
    assert {c["code"]: c["status"] for c in report["checks"]}["known-issuer"] == "warning"


# --- another issuer, served by a real HTTP server on loopback -----------------------------------


class Site(BaseHTTPRequestHandler):
    documents: dict[str, bytes] = {}  # noqa: RUF012 - filled by the fixture

    def do_GET(self) -> None:
        body = self.documents.get(self.path)
        self.send_response(200 if body is not None else 404)
        is_jwt = (body or b"").startswith(b"ey")
        self.send_header("Content-Type", "application/vc+jwt" if is_jwt else "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, dict[str, bytes]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", Site.documents
    server.shutdown()
    server.server_close()


@pytest.fixture
def foreign_app(
    settings: Settings,
    connection: AsyncConnection,
    database: ScratchDatabase,
    site: tuple[str, dict[str, bytes]],
) -> Litestar:
    allowed = Settings(
        **{
            **vars(settings),
            "database_url": database.url,
            "fetch_http_hosts": frozenset({"127.0.0.1"}),
        }
    )
    return create_app(allowed, database=SharedConnectionDatabase(connection))


@pytest.mark.no_sql
async def test_foreign_did_web_issuer_is_fetched_over_http(
    foreign_app: Litestar, site: tuple[str, dict[str, bytes]]
) -> None:
    host, documents = site
    did = "did:web:" + host.replace(":", "%3A")
    key = generate_key_pair(controller=did, vm_id=f"{did}#key-1")
    documents["/.well-known/did.json"] = json.dumps(
        key.to_key_file()["controllerDocument"]
    ).encode()
    signed = sign_credential(explorer_credential(did), key)

    async with httpx.AsyncClient(transport=asgi(foreign_app), base_url=PUBLIC_URL) as client:
        good = await check(client, {"credential": signed})
        documents["/.well-known/did.json"] = json.dumps(
            generate_key_pair(controller=did, vm_id=f"{did}#key-1").to_key_file()[
                "controllerDocument"
            ]
        ).encode()
        swapped = await check(client, {"credential": signed})

    assert good["verified"] is True, good
    assert "proof" in failed(swapped)


@pytest.mark.no_sql
async def test_internal_addresses_are_not_fetched_without_the_setting(
    client: httpx.AsyncClient, site: tuple[str, dict[str, bytes]]
) -> None:
    host, _ = site
    did = "did:web:" + host.replace(":", "%3A")
    key = generate_key_pair(controller=did, vm_id=f"{did}#key-1")

    report = await check(client, {"credential": sign_credential(explorer_credential(did), key)})

    (binding,) = [c for c in report["checks"] if c["code"] == "issuer-key"]
    assert binding["status"] == "failed"
    assert "not public" in binding["detail"]["reason"]


def limited_app(
    settings: Settings, connection: AsyncConnection, database: ScratchDatabase, storage: str
) -> Litestar:
    limited = Settings(
        **{
            **vars(settings),
            "database_url": database.url,
            "rate_limit_storage": storage,
            "rate_limit_anonymous": "3/hour",  # an hour: a minute boundary mid-test would let one more through
            "rate_limit_authenticated": "5/hour",
        }
    )
    return create_app(limited, database=SharedConnectionDatabase(connection))


async def test_anonymous_callers_are_rate_limited_per_address(
    settings: Settings, connection: AsyncConnection, database: ScratchDatabase, token: Getter
) -> None:
    app = limited_app(settings, connection, database, "async+memory://")
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        statuses = [
            (await client.post("/api/v1/verifications", json={"jwt": "a.b.c"})).status_code
            for _ in range(4)
        ]
        refused = await client.post("/api/v1/verifications", json={"jwt": "a.b.c"})
        with_token = await client.post(
            "/api/v1/verifications",
            json={"jwt": "a.b.c"},
            headers={"Authorization": f"Bearer {await token()}"},
        )

    assert statuses == [200, 200, 200, 429]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert with_token.status_code == 200


async def reset_limits(storage: str) -> None:
    limits = RateLimits(
        storage,
        anonymous="1/second",
        authenticated="1/second",
        completions="1/second",
        token_requests="1/second",
        clock=utc_now,
    )
    await limits.limiter.storage.reset()
    await limits.close()


async def test_rate_limits_are_shared_through_redis(
    settings: Settings, connection: AsyncConnection, database: ScratchDatabase
) -> None:
    """Two service processes (two apps here) count against the same Redis limits."""
    storage = f"async+redis://127.0.0.1:6379/{15}"
    first, second = (limited_app(settings, connection, database, storage) for _ in range(2))
    await reset_limits(storage)
    codes = []
    async with first.lifespan(), second.lifespan():
        for app in (first, second, first, second):
            async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
                response = await client.post("/api/v1/verifications", json={"jwt": "a.b.c"})
                codes.append(response.status_code)
    await reset_limits(storage)

    assert codes == [200, 200, 200, 429]


@pytest.mark.no_sql
async def test_jwt_kid_pointing_at_an_internal_address_is_not_fetched(
    client: httpx.AsyncClient,
) -> None:
    key = generate_key_pair(
        "rsa",
        controller="https://169.254.169.254/issuer",
        vm_id="https://169.254.169.254/latest/meta-data/key",
    )
    token = sign_jwt(explorer_credential(key.controller), key)

    report = await check(client, {"jwt": token})

    assert report["verified"] is False
    (binding,) = [c for c in report["checks"] if c["code"] == "issuer-key"]
    assert "not public" in binding["detail"]["reason"]


@pytest.mark.no_sql
async def test_image_without_a_credential(client: httpx.AsyncClient) -> None:
    buffer = io.BytesIO()
    png.Writer(1, 1, greyscale=True).write(buffer, [[0]])

    report = (
        await client.post("/api/v1/verifications", files={"file": ("badge.png", buffer.getvalue())})
    ).json()

    assert report["verified"] is False
    assert report["checks"][0]["code"] == "format"
    assert report["checks"][0]["status"] == "failed"


# --- the verifier cannot be fooled (issue 9) ------------------------------------------------------

VC = "https://www.w3.org/2018/credentials#"


async def test_re_keyed_revoked_badge_fails_the_status_check(
    client: httpx.AsyncClient, issued: dict[str, Any], session: AsyncSession, runtime: Runtime
) -> None:
    await revoke(session, runtime, uuid.UUID(issued["id"]))
    await session.commit()
    re_keyed = copy.deepcopy(issued["credential"])
    re_keyed[VC + "credentialStatus"] = re_keyed.pop("credentialStatus")

    report = await check(client, {"credential": re_keyed})

    assert failed(report) == {"status"}


@pytest.mark.no_sql
async def test_re_keyed_expired_badge_fails_valid_until(client: httpx.AsyncClient) -> None:
    key = generate_key_pair()
    credential = explorer_credential(key.controller)
    credential.update(validFrom="2020-01-01T00:00:00Z", validUntil="2021-01-01T00:00:00Z")
    re_keyed = sign_credential(credential, key)
    re_keyed[VC + "validUntil"] = {
        "@value": re_keyed.pop("validUntil"),
        "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
    }

    report = await check(client, {"credential": re_keyed})

    assert failed(report) == {"valid-until"}
    assert {c["code"]: c["status"] for c in report["checks"]}["proof"] == "passed"


def with_a_clique() -> dict[str, Any]:
    """A badge off the compiled path: its canonical form is worked out in a worker thread."""
    key = generate_key_pair()
    signed = sign_credential(explorer_credential(key.controller), key)
    knows = "https://example.org/vocab#knows"
    signed["evidence"] = [
        {"@id": f"_:n{i}", knows: [{"@id": f"_:n{j}"} for j in range(12) if j != i]}
        for i in range(12)
    ]
    return signed


def with_much_evidence() -> dict[str, Any]:
    """A badge of 15,000 statements (a record of many badges is as large): canonicalised and
    read in worker threads, about 0.08 s each here. Each is a new one: a badge verified
    again is not canonicalised again."""
    key = generate_key_pair()
    credential = explorer_credential(key.controller)
    credential["evidence"] = [
        {"id": f"https://insigne.example/evidence/{n}", "type": ["Evidence"], "name": f"N° {n}"}
        for n in range(5_000)
    ]
    return sign_credential(credential, key)


@pytest.mark.no_sql
async def test_blank_node_clique_is_refused_quickly(client: httpx.AsyncClient) -> None:
    signed = with_a_clique()
    started = time.process_time()

    report = await check(client, {"credential": signed}, **{"Accept-Language": "fr"})

    assert time.process_time() - started < 1
    assert failed(report) == {"canonicalization"}
    (refusal,) = [c for c in report["checks"] if c["code"] == "canonicalization"]
    assert refusal["message"].startswith("Le badge est refusé")


@pytest.mark.settings(trusted_proxies=frozenset({"127.0.0.1"}))
@pytest.mark.no_sql
async def test_one_caller_s_slow_badges_do_not_hold_up_another_caller_s(
    client: httpx.AsyncClient,
) -> None:
    """The library's two threads take callers in turn: a caller that sends many slow badges at
    once waits behind its own; another caller's one slow badge takes the next free thread.
    (The turns themselves are tested step by step in tests/openbadges/test_offload.py.)"""
    finished: list[str] = []
    flood_size = 6
    names = [*(f"flood {n}" for n in range(flood_size)), "other"]
    slow = {name: with_much_evidence() for name in names}

    async def send(address: str, name: str) -> None:
        badge = {"credential": slow[name]}
        report = await check(client, badge, **{"X-Forwarded-For": address})
        assert report["verified"], report
        finished.append(name)

    with slow_steps() as sent:
        before = offload.sent_to_threads.copy()
        flood = [asyncio.create_task(send("203.0.113.1", f"flood {n}")) for n in range(flood_size)]
        # Every badge of the flood has its first step on a thread, or waiting for one.
        while (offload.sent_to_threads - before).total() + offload.THREADS.waiting() < flood_size:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        await send("203.0.113.2", "other")
        await asyncio.gather(*flood)

    assert sent  # the badges were canonicalised in the threads
    # Each of its steps takes the next free thread: it ends among the first. First come, first
    # served, it ended behind at least half of the flood.
    assert finished.index("other") < flood_size // 2, finished


def _refused(metrics: str) -> float:
    found = re.search(
        r'^insigne_slow_steps_refused_total\{pool="openbadges-slow"\} (\S+)$', metrics, re.M
    )
    return float(found.group(1)) if found else 0.0


@pytest.mark.settings(trusted_proxies=frozenset({"127.0.0.1"}))
@pytest.mark.no_sql
async def test_a_caller_whose_slow_steps_fill_its_queue_gets_429_and_others_do_not(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Past `MOST_WAITING` slow steps waiting, a caller's next one is refused at once, on every
    face, as a rate limit says it; another caller's is queued and verified."""
    flooding, other = "203.0.113.1", "203.0.113.2"
    badge = {"credential": with_a_clique()}
    query = "mutation($c: JSON!) { verifyCredential(input: {credential: $c}) { verified } }"
    with steps() as blocked:
        lane = caller_key(None, flooding)
        held = [blocked.start(lane, f"a{n}") for n in range(offload.SLOW_WORKERS)]
        await blocked.until_started(offload.SLOW_WORKERS)
        held += [blocked.start(lane, f"q{n}") for n in range(offload.MOST_WAITING)]
        await asyncio.sleep(0)

        waiting = (await client.get("/metrics")).text
        refused = await client.post(
            "/api/v1/verifications", json=badge, headers={"X-Forwarded-For": flooding}
        )
        graphql = await client.post(
            "/graphql",
            json={"query": query, "variables": {"c": badge["credential"]}},
            headers={"X-Forwarded-For": flooding},
        )
        queued = asyncio.ensure_future(check(client, badge, **{"X-Forwarded-For": other}))
        while offload.THREADS.waiting() <= offload.MOST_WAITING:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        blocked.let_go_all()
        report = await queued
        await asyncio.gather(*held)
    scraped = (await client.get("/metrics")).text

    # What an operator sees: the steps waiting when scraped, and the two refusals since.
    pool = 'pool="openbadges-slow"'
    assert f"insigne_slow_steps_waiting{{{pool}}} {float(offload.MOST_WAITING)}" in waiting
    assert f"insigne_slow_steps_waiting{{{pool}}} 0.0" in scraped
    assert _refused(scraped) == _refused(waiting) + 2
    assert refused.status_code == 429, refused.text
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert f"already has {offload.MOST_WAITING} slow tasks waiting" in refused.json()["detail"]
    (error,) = graphql.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 1}
    assert failed(report) == {"canonicalization"}  # the other caller's badge was verified
    # A refusal is the caller's flood, not a fault of the service: nothing logged as one.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_jwt_with_a_foreign_jwk_fails_the_issuer_key(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    stranger = generate_key_pair()
    credential = issued["credential"]
    payload = {
        **{name: value for name, value in credential.items() if name != "proof"},
        "iss": credential["issuer"]["id"],
    }
    headers = {"jwk": public_jwk(stranger.public_key), "typ": "JWT"}
    token = jwt.encode(payload, stranger.private_key, algorithm="EdDSA", headers=headers)

    report = await check(client, {"jwt": token})

    assert failed(report) == {"issuer-key"}
    assert {c["code"]: c["status"] for c in report["checks"]}["proof"] == "passed"


@pytest.mark.parametrize(("is_revoked", "status"), [(False, "passed"), (True, "failed")])
@pytest.mark.no_sql
async def test_foreign_status_list_published_as_a_jwt_is_read(
    foreign_app: Litestar, site: tuple[str, dict[str, bytes]], is_revoked: bool, status: str
) -> None:
    host, documents = site
    did = "did:web:" + host.replace(":", "%3A")
    key = generate_key_pair("p256", controller=did, vm_id=f"{did}#key-jwt")
    documents["/.well-known/did.json"] = json.dumps(
        key.to_key_file()["controllerDocument"]
    ).encode()
    list_url = f"http://{host}/status/jwt"
    bits = StatusList()
    if is_revoked:
        bits.set(7)
    status_list = status_list_credential(
        id=list_url,
        issuer=did,
        purpose="revocation",
        status_list=bits,
        valid_from="2026-01-01T00:00:00Z",
    )
    documents["/status/jwt"] = sign_jwt(status_list, key).encode()
    credential = explorer_credential(did)
    credential["credentialStatus"] = status_entry(list_url, 7, "revocation")

    async with httpx.AsyncClient(transport=asgi(foreign_app), base_url=PUBLIC_URL) as client:
        report = await check(client, {"jwt": sign_jwt(credential, key)})

    assert {c["code"]: c["status"] for c in report["checks"]}["status"] == status, report
