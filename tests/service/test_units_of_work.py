"""Units of work: every session is returned, whatever refuses the request; reads never lock."""

import asyncio
import time
import uuid
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from openbadges import work_lane
from openbadges.keys import generate_key_pair
from openbadges.offload import SLOW_WORKERS, THREADS
from openbadges.signing import sign_credential
from service.app import create_app
from service.db.engine import Database, ReadUnitWrote
from service.domain.clients.audit import record_event
from service.domain.portfolios.badge_pages import PICTURES
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.factories import explorer_credential
from tests.openbadges.test_offload import steps
from tests.service.conftest import PUBLIC_URL, asgi, database_for, load_demo_into
from tests.service.factories import completion


async def _token(client: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def _reader_client(settings: Settings, database: Database) -> tuple[str, str]:
    runtime = Runtime.build(settings, database=database)
    try:
        async with runtime.write() as services:
            new = await services.clients.create(
                name="Lecteur", scopes={"credentials:read"}, issuer_slugs=set(), actor="test"
            )
    finally:
        await runtime.close()
    return new.client_id, new.client_secret


def _refused_requests(full: str, reader: str) -> list[tuple[str, str, dict[str, Any], int]]:
    """(method, path, request options, expected status) for 200 requests that are refused."""
    bearer_full = {"Authorization": f"Bearer {full}"}
    bearer_reader = {"Authorization": f"Bearer {reader}"}
    kinds = [
        ("POST", "/api/v1/completions", {"json": completion()}, 401),
        (
            "POST",
            "/api/v1/completions",
            {"json": completion(), "headers": {"Authorization": "Bearer nope"}},
            401,
        ),
        ("POST", "/api/v1/completions", {"json": completion(), "headers": bearer_reader}, 403),
        ("GET", f"/api/v1/credentials/{uuid.uuid4()}", {"headers": bearer_full}, 404),
        (
            "POST",
            "/api/v1/completions",
            {"json": completion(achievement="inconnu"), "headers": bearer_full},
            422,
        ),
        (
            "POST",
            "/api/v1/verifications",
            {"json": {"jwt": "a.b.c"}, "headers": bearer_reader},
            429,
        ),
    ]
    return [kinds[n % len(kinds)] for n in range(200)]


async def test_refused_requests_return_every_connection(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    app_settings, pooled = database_for(settings, fresh_database)
    app_settings = replace(app_settings, rate_limit_authenticated="1/hour")
    demo = await load_demo_into(app_settings, pooled)
    reader_id, reader_secret = await _reader_client(app_settings, pooled)
    app = create_app(app_settings, database=pooled)
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL, timeout=60) as client:
        full = await _token(client, demo.client_id, demo.client_secret)
        reader = await _token(client, reader_id, reader_secret)
        await client.post(
            "/api/v1/verifications",
            json={"jwt": "a.b.c"},
            headers={"Authorization": f"Bearer {reader}"},
        )  # spends the reader's one verification: the rest are 429
        planned = _refused_requests(full, reader)
        responses = await asyncio.gather(
            *(client.request(method, path, **options) for method, path, options, _ in planned)
        )
        assert [r.status_code for r in responses] == [status for *_, status in planned]

        started = time.monotonic()
        issued = await client.post(
            "/api/v1/completions",
            json=completion("après-la-tempête"),
            headers={"Authorization": f"Bearer {full}"},
        )
        elapsed = time.monotonic() - started

    assert issued.status_code == 201, issued.text
    assert elapsed < 1.0
    assert pooled.checked_out() == 0


async def test_a_read_unit_does_not_block_a_writer(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    _, database = database_for(settings, fresh_database)
    async with database.read() as reading:
        await reading.execute(text("SELECT count(*) FROM learners"))
        # A writer gets SQLite's write lock at once while the read unit is open.
        async with asyncio.timeout(5), database.write() as writing:
            await writing.execute(text("DELETE FROM learners WHERE email = 'personne'"))


async def test_a_write_unit_rolls_back_when_it_raises(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    _, database = database_for(settings, fresh_database)

    async def write_then_fail() -> None:
        async with database.write() as session:
            await record_event(session, actor="test", action="test", subject="test")
            await session.flush()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await write_then_fail()
    async with database.read() as session:
        assert await session.scalar(text("SELECT count(*) FROM audit_events")) == 0
    assert database.checked_out() == 0


async def test_a_read_unit_cannot_write_and_sees_each_commit(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    _, database = database_for(settings, fresh_database)
    async with database.read() as reading:
        before = await reading.scalar(text("SELECT count(*) FROM audit_events"))
        async with database.write() as writing:
            await record_event(writing, actor="test", action="test", subject="test")
        # READ COMMITTED on PostgreSQL: the next statement sees the commit (SQLite's WAL
        # snapshot lasts the read transaction, so there it does not).
        after = await reading.scalar(text("SELECT count(*) FROM audit_events"))
    assert (before, after) == ((0, 1) if fresh_database.backend == "postgres" else (0, 0))
    if fresh_database.backend == "postgres":  # autocommit: a write would be kept, so it fails
        with pytest.raises(ReadUnitWrote, match="DELETE"):
            async with database.read() as reading:
                await reading.execute(text("DELETE FROM audit_events"))
    async with database.read() as reading:
        assert await reading.scalar(text("SELECT count(*) FROM audit_events")) == 1
    assert database.checked_out() == 0


def count_statements(database: ScratchDatabase) -> list[str]:
    """Every SQL statement the engine runs from now on (transaction control left out)."""
    seen: list[str] = []

    @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def _record(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        word = statement.lstrip().split(" ", 1)[0].upper()
        if word not in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"):
            seen.append(statement)

    return seen


async def test_a_picture_waiting_for_a_thread_holds_no_connection(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    """Pictures wait their turn on two threads: a flood of them waiting inside read units would
    hold every connection of the pool, and every tenant's requests would wait for one."""
    app_settings, pooled = database_for(settings, fresh_database)
    demo = await load_demo_into(app_settings, pooled)
    app = create_app(app_settings, database=pooled)
    secret = demo.client_secret
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL, timeout=60) as client:
        issued = await client.post(
            "/api/v1/completions",
            json=completion("image-en-attente"),
            headers={"Authorization": f"Bearer {await _token(client, demo.client_id, secret)}"},
        )
        assert issued.status_code == 201, issued.text
        credential = urlsplit(issued.json()["url"]).path
        achievement = urlsplit(
            issued.json()["credential"]["credentialSubject"]["achievement"]["image"]["id"]
        ).path.replace(".svg", ".png")
        with steps() as busy:
            with work_lane("busy"):
                taken = [asyncio.ensure_future(PICTURES.run(busy.step, f"t{n}")) for n in range(2)]
            await busy.until_started(2)  # both threads of the pictures taken
            paths = (
                f"{credential}/card.png",
                f"{credential}/qr.png",
                f"{credential}.png",
                achievement,
            )
            waiting = [asyncio.ensure_future(client.get(path)) for path in paths]
            while PICTURES.waiting() < len(waiting):  # noqa: ASYNC110 - each in its turn's queue
                await asyncio.sleep(0.005)

            assert pooled.checked_out() == 0
            busy.let_go_all()
            answers = await asyncio.gather(*waiting)
            await asyncio.gather(*taken)

    assert [answer.status_code for answer in answers] == [200] * len(waiting)


async def test_a_verification_waiting_for_a_thread_holds_no_connection(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    """A badge off the compiled path waits its turn on the library's two threads: a caller's
    read unit (its token's client, the issuer's epoch) must not stay open meanwhile."""
    app_settings, pooled = database_for(settings, fresh_database)
    demo = await load_demo_into(app_settings, pooled)
    app = create_app(app_settings, database=pooled)
    key = generate_key_pair()
    slow = sign_credential(explorer_credential(key.controller), key)
    knows = "https://example.org/vocab#knows"
    slow["evidence"] = [{"@id": f"_:n{i}", knows: [{"@id": "_:n0"}]} for i in range(3)]
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL, timeout=60) as client:
        token = await _token(client, demo.client_id, demo.client_secret)
        bearer = {"Authorization": f"Bearer {token}"}
        with steps() as busy:
            taken = [busy.start("busy", f"t{n}") for n in range(SLOW_WORKERS)]
            await busy.until_started(SLOW_WORKERS)  # both of the library's threads taken
            verifying = asyncio.ensure_future(
                client.post("/api/v1/verifications", json={"credential": slow}, headers=bearer)
            )
            while not THREADS.waiting():  # noqa: ASYNC110 - in its turn's queue
                await asyncio.sleep(0.005)

            assert pooled.checked_out() == 0
            busy.let_go_all()
            answer = await verifying
            await asyncio.gather(*taken)

    assert answer.status_code == 200, answer.text
