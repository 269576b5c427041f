"""Webhooks: signed deliveries (Standard Webhooks), retries, restarts, 410, replays, workers."""

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema_rs
import pytest
from litestar import Litestar
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.db.tables import WebhookEndpointRecord
from service.domain.clients.webhooks import EVENTS
from service.domain.demo import ISSUER_SLUG, Demo
from service.pipelines.webhook_worker import WebhookWorker
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import (
    PUBLIC_URL,
    Getter,
    MakeClient,
    asgi,
    database_for,
    load_demo_into,
)
from tests.service.factories import completion


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A loopback webhook receiver: records what it gets, answers the statuses queued."""

    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # popped per request; then 204

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with lock:
                state.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = state.answers.pop(0) if state.answers else 204
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()


class MovableClock:
    """The wall clock, plus an offset a test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Hooked:
    client: httpx.AsyncClient
    runtime: Runtime
    clock: MovableClock
    admin: dict[str, str]
    platform: dict[str, str]

    def worker(self) -> WebhookWorker:
        return WebhookWorker(self.runtime)

    async def register(self, url: str, events: list[str] | None = None) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/webhooks",
            json={"url": url, "events": events or ["credential.issued", "credential.revoked"]},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def issue(self, external_id: str) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/completions", json=completion(external_id), headers=self.platform
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def _loopback(settings: Settings, database: ScratchDatabase) -> Settings:
    return Settings(
        **{
            **vars(settings),
            "database_url": database.url,
            "fetch_http_hosts": frozenset({"127.0.0.1"}),
        }
    )


@dataclass(frozen=True)
class Served:
    """A runtime with a movable clock and its app, bound to each test's connection in turn."""

    database: SharedConnectionDatabase
    clock: MovableClock
    runtime: Runtime
    app: Litestar


@pytest.fixture(scope="module")
async def served() -> AsyncIterator[dict[tuple[Any, ...], Served]]:
    """One runtime and app per backend and settings marker: building them per test cost more
    than most tests here."""
    built: dict[tuple[Any, ...], Served] = {}
    yield built
    for each in built.values():
        await each.runtime.close()


@pytest.fixture
async def hooked(
    request: pytest.FixtureRequest,
    settings: Settings,
    connection: AsyncConnection,
    database: ScratchDatabase,
    demo: Demo,
    token: Getter,
    make_client: MakeClient,
    served: dict[tuple[Any, ...], Served],
) -> AsyncIterator[Hooked]:
    loopback = _loopback(settings, database)
    marker = request.node.get_closest_marker("settings")
    changes = tuple(sorted(marker.kwargs.items())) if marker else ()
    key = (database.url, changes)
    if key not in served:
        clock, shared = MovableClock(), SharedConnectionDatabase(connection)
        runtime = Runtime.build(replace(loopback, **dict(changes)), database=shared, clock=clock)
        served[key] = Served(shared, clock, runtime, create_app(runtime=runtime))
    runtime, app, clock = served[key].runtime, served[key].app, served[key].clock
    served[key].database.bind(connection)
    clock.offset = timedelta()
    await runtime.forget()
    admin_id, admin_secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        access = (
            await client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(admin_id, admin_secret),
            )
        ).json()["access_token"]
        platform = (
            await client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(demo.client_id, demo.client_secret),
            )
        ).json()["access_token"]
        yield Hooked(
            client,
            runtime,
            clock,
            {"Authorization": f"Bearer {access}"},
            {"Authorization": f"Bearer {platform}"},
        )


def _verify(secret: str, received: Received) -> dict[str, Any]:
    """What a receiver does: check the signature with the standardwebhooks package."""
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


async def test_a_receiver_gets_signed_deliveries_it_can_verify(
    hooked: Hooked, receiver: Receiver
) -> None:
    endpoint = await hooked.register(receiver.url)
    issued = await hooked.issue("signé")
    revoked = await hooked.client.post(
        f"/api/v1/credentials/{issued['id']}/revoke",
        json={"reason": "attribué par erreur"},
        headers=hooked.admin,
    )

    assert revoked.status_code == 200, revoked.text
    assert endpoint["secret"].startswith("whsec_")
    assert (
        "secret"
        not in (await hooked.client.get("/api/v1/webhooks", headers=hooked.admin)).json()[0]
    )
    assert await hooked.worker().run_once() == 2
    # sent concurrently: the receiver may get them in either order
    payloads = sorted(
        (_verify(endpoint["secret"], r) for r in receiver.received), key=lambda p: str(p["type"])
    )
    assert [p["type"] for p in payloads] == ["credential.issued", "credential.revoked"]
    assert payloads[0]["data"]["id"] == issued["id"]
    assert payloads[1]["data"]["reason"] == "attribué par erreur"
    assert all(r.headers["webhook-id"].startswith("msg_") for r in receiver.received)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(receiver.received[0].body, receiver.received[0].headers)
    assert await hooked.worker().run_once() == 0  # delivered once


async def test_a_failing_receiver_gets_retries_with_backoff(
    hooked: Hooked, receiver: Receiver
) -> None:
    endpoint = await hooked.register(receiver.url)
    receiver.answers = [500, 503]
    await hooked.issue("réessai")

    assert await hooked.worker().run_once() == 1
    assert await hooked.worker().run_once() == 0  # not due yet: backoff
    hooked.clock.offset += timedelta(minutes=5)
    assert await hooked.worker().run_once() == 1
    hooked.clock.offset += timedelta(minutes=5)
    assert await hooked.worker().run_once() == 1

    assert len(set(receiver.ids())) == 1  # one message, three tries
    deliveries = (
        await hooked.client.get(
            f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=hooked.admin
        )
    ).json()
    assert deliveries[0]["status"] == "delivered"
    assert [a["statusCode"] for a in deliveries[0]["attempts"]] == [500, 503, 204]
    last = receiver.received[-1]
    timestamp = datetime.fromtimestamp(int(last.headers["webhook-timestamp"]), UTC)
    signed = Webhook(endpoint["secret"]).sign(
        last.headers["webhook-id"], timestamp, last.body.decode()
    )
    assert last.headers["webhook-signature"] == signed


async def test_a_delivery_survives_a_worker_that_dies(hooked: Hooked, receiver: Receiver) -> None:
    await hooked.register(receiver.url)
    await hooked.issue("redémarrage")
    async with hooked.runtime.write() as services:  # a worker claims, then dies before sending
        claimed = await services.outbox.claim(10, timedelta(seconds=60))

    assert len(claimed) == 1
    assert await hooked.worker().run_once() == 0  # the lease still holds
    hooked.clock.offset += timedelta(seconds=61)
    assert await hooked.worker().run_once() == 1
    assert receiver.ids() == [claimed[0].message_id]


async def test_a_410_disables_the_endpoint(hooked: Hooked, receiver: Receiver) -> None:
    endpoint = await hooked.register(receiver.url)
    receiver.answers = [410]
    await hooked.issue("disparu")
    await hooked.worker().run_once()
    await hooked.issue("après")

    listed = (await hooked.client.get("/api/v1/webhooks", headers=hooked.admin)).json()
    assert listed[0]["disabledReason"] == "the receiver answered 410 Gone"
    assert await hooked.worker().run_once() == 0
    deliveries = (
        await hooked.client.get(
            f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=hooked.admin
        )
    ).json()
    assert [d["status"] for d in deliveries] == ["failed"]  # nothing new for a disabled one


async def test_a_delivery_can_be_replayed(hooked: Hooked, receiver: Receiver) -> None:
    endpoint = await hooked.register(receiver.url)
    await hooked.issue("rejouée")
    await hooked.worker().run_once()
    base = f"/api/v1/webhooks/{endpoint['id']}/deliveries"
    delivery = (await hooked.client.get(base, headers=hooked.admin)).json()[0]

    replayed = await hooked.client.post(f"{base}/{delivery['id']}/replay", headers=hooked.admin)
    await hooked.worker().run_once()

    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["status"] == "pending"
    assert receiver.ids() == [delivery["messageId"]] * 2
    assert receiver.received[0].body == receiver.received[1].body


async def test_deleted_endpoints_get_nothing_and_strangers_see_nothing(
    hooked: Hooked, receiver: Receiver, token: Getter, make_client: MakeClient
) -> None:
    endpoint = await hooked.register(receiver.url)
    other_id, other_secret = await make_client(scopes={"admin"}, issuers={"autre"})
    stranger = {"Authorization": f"Bearer {await token(None, other_id, other_secret)}"}

    assert (await hooked.client.get("/api/v1/webhooks", headers=stranger)).json() == []
    gone = await hooked.client.delete(f"/api/v1/webhooks/{endpoint['id']}", headers=stranger)
    assert gone.status_code == 404
    deleted = await hooked.client.delete(f"/api/v1/webhooks/{endpoint['id']}", headers=hooked.admin)
    assert deleted.status_code == 204
    await hooked.issue("supprimé")
    assert await hooked.worker().run_once() == 0
    assert (await hooked.client.get("/api/v1/webhooks", headers=hooked.admin)).json() == []


@pytest.mark.parametrize(
    ("url", "events"),
    [
        ("http://plateforme.exemple.qc.ca/hooks", ["credential.issued"]),  # not https
        ("ftp://127.0.0.1/hooks", ["credential.issued"]),
        ("https://plateforme.exemple.qc.ca/hooks", ["credential.deleted"]),
    ],
)
async def test_bad_registrations_are_refused(hooked: Hooked, url: str, events: list[str]) -> None:
    response = await hooked.client.post(
        "/api/v1/webhooks", json={"url": url, "events": events}, headers=hooked.admin
    )
    assert response.status_code == 422, response.text


async def test_private_addresses_are_refused_at_delivery(hooked: Hooked) -> None:
    endpoint = await hooked.register("https://plateforme.exemple.qc.ca/hooks")
    async with hooked.runtime.database.write() as session:  # registered before the rule
        await session.execute(
            update(WebhookEndpointRecord)
            .where(WebhookEndpointRecord.id == uuid.UUID(endpoint["id"]))
            .values(url="https://10.0.0.1/hooks")  # https, but a private address
        )
    await hooked.issue("privée")
    await hooked.worker().run_once()

    deliveries = (
        await hooked.client.get(
            f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=hooked.admin
        )
    ).json()
    attempt = deliveries[0]["attempts"][0]
    assert attempt["statusCode"] is None
    assert "not public" in attempt["error"]


async def test_two_workers_never_deliver_one_event_twice(
    settings: Settings, fresh_database: ScratchDatabase, receiver: Receiver
) -> None:
    base, pooled = database_for(_loopback(settings, fresh_database), fresh_database)
    demo = await load_demo_into(base, pooled)
    app = create_app(base, database=pooled)
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        platform = await _token(client, demo.client_id, demo.client_secret)
        runtime = Runtime.build(base, database=pooled)
        async with runtime.write(is_operator=True) as services:
            admin = await services.clients.create(
                name="Admin", scopes={"admin"}, issuer_slugs={ISSUER_SLUG}, actor="test"
            )
        admin_token = await _token(client, admin.client_id, admin.client_secret)
        for path in ("a", "b"):  # two endpoints: each event is one delivery per endpoint
            registered = await client.post(
                "/api/v1/webhooks",
                json={"url": f"{receiver.url}/{path}", "events": ["credential.issued"]},
                headers=admin_token,
            )
            assert registered.status_code == 201, registered.text
        for n in range(15):
            issued = await client.post(
                "/api/v1/completions", json=completion(f"lot-{n}"), headers=platform
            )
            assert issued.status_code == 201, issued.text

        async def drain(worker: WebhookWorker) -> None:
            while True:
                if not await worker.run_once():
                    return

        workers = [WebhookWorker(Runtime.build(base, database=pooled), batch=3) for _ in range(2)]
        await asyncio.gather(*(drain(worker) for worker in workers))
        await runtime.close()

    deliveries = [(r.path, r.headers["webhook-id"]) for r in receiver.received]
    assert len(deliveries) == 30
    assert len(set(deliveries)) == 30  # each event once per endpoint, never twice
    assert len({message for _, message in deliveries}) == 15


async def _token(client: httpx.AsyncClient, client_id: str, secret: str) -> dict[str, str]:
    access = (
        await client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
    ).json()["access_token"]
    return {"Authorization": f"Bearer {access}"}


@pytest.mark.settings(suspension_entry=True)  # suspension events need the opt-in entry
async def test_every_event_matches_the_documented_webhook_payload(
    hooked: Hooked, receiver: Receiver
) -> None:
    """The OpenAPI 3.1 ``webhooks`` section describes what endpoints really receive."""
    document = (await hooked.client.get("/schema/openapi.json")).json()
    endpoint = await hooked.register(receiver.url, sorted(EVENTS))
    issued = await hooked.issue("documenté")
    await _collect_into_a_wallet(hooked, issued["id"])
    for action in ("suspend", "reinstate", "revoke"):
        changed = await hooked.client.post(
            f"/api/v1/credentials/{issued['id']}/{action}",
            json={"reason": f"raison : {action}"},
            headers=hooked.admin,
        )
        assert changed.status_code == 200, changed.text
        assert await hooked.worker().run_once() >= 1  # in order: suspend before reinstate

    payloads = [_verify(endpoint["secret"], r) for r in receiver.received]
    assert sorted(p["type"] for p in payloads) == sorted(EVENTS) == sorted(document["webhooks"])
    for payload in payloads:
        webhook = document["webhooks"][payload["type"]]["post"]
        schema = webhook["requestBody"]["content"]["application/json"]["schema"]
        jsonschema_rs.validator_for(schema).validate(payload)
        assert {p["name"] for p in webhook["parameters"]} <= set(receiver.received[0].headers)


async def _collect_into_a_wallet(hooked: Hooked, credential_id: str) -> None:
    """The OID4VCI pickup, for its ``credential.collected`` event."""
    made = await hooked.client.post(
        f"/api/v1/credentials/{credential_id}/wallet-offer", headers=hooked.platform
    )
    offer_uri = parse_qs(urlsplit(made.json()["credentialOffer"]).query)["credential_offer_uri"]
    offer = (await hooked.client.get(urlsplit(offer_uri[0]).path)).json()
    grant_type = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    code = offer["grants"][grant_type]["pre-authorized_code"]
    granted = await hooked.client.post(
        "/wallet/token", data={"grant_type": grant_type, "pre-authorized_code": code}
    )
    collected = await hooked.client.post(
        "/wallet/credential",
        json={"credential_configuration_id": "OpenBadgeCredential_ldp_vc"},
        headers={"Authorization": f"Bearer {granted.json()['access_token']}"},
    )
    assert collected.status_code == 200, collected.text


async def _platform_headers(hooked: Hooked, client_id: str, secret: str) -> dict[str, str]:
    response = await hooked.client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_a_platform_subscribes_with_webhooks_manage_and_hears_only_what_it_may_see(
    hooked: Hooked, receiver: Receiver, make_client: MakeClient
) -> None:
    """No admin: the scope of its own, and the visibility policy picks its events."""
    moodle_id, moodle_secret = await make_client(
        scopes={"completions:write", "webhooks:manage"}, issuers={ISSUER_SLUG}
    )
    moodle = await _platform_headers(hooked, moodle_id, moodle_secret)
    registered = await hooked.client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["credential.issued", "credential.revoked"]},
        headers=moodle,
    )
    assert registered.status_code == 201, registered.text
    own = await hooked.client.post(
        "/api/v1/completions", json=completion("par-moodle"), headers=moodle
    )
    assert own.status_code == 201, own.text
    await hooked.issue("par-une-autre-plateforme")  # the demo platform's, same issuer

    assert await hooked.worker().run_once() == 1
    [payload] = [_verify(registered.json()["secret"], r) for r in receiver.received]
    assert payload["data"]["id"] == own.json()["id"]
    listed = await hooked.client.get("/api/v1/webhooks", headers=moodle)
    assert [w["id"] for w in listed.json()] == [registered.json()["id"]]


async def test_webhooks_need_webhooks_manage_or_admin(
    hooked: Hooked, make_client: MakeClient
) -> None:
    reader_id, reader_secret = await make_client(
        scopes={"completions:write", "credentials:read"}, issuers={ISSUER_SLUG}
    )
    reader = await _platform_headers(hooked, reader_id, reader_secret)

    response = await hooked.client.get("/api/v1/webhooks", headers=reader)

    assert response.status_code == 403
