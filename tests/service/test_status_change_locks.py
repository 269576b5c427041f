"""A status change signs its lists before it takes any lock, as issuance does.

Revoking, suspending or reinstating re-signs one or two status lists. While each is being
signed, another connection must find nothing of the change held: on PostgreSQL not the
credential's row, its issuer's row (the published-epoch trigger updates it) nor the
issuer's lists; on SQLite not the database's write lock. The probe runs from the clock the
list's signature is dated with, on a connection of its own, and each transition is posted
over HTTP to an app that commits for real.
"""

import asyncio
import concurrent.futures
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from openbadges.status import StatusList
from service.app import create_app
from service.db.engine import Database
from service.domain.clock import Clock, utc_now
from service.domain.demo import ISSUER_SLUG
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import PUBLIC_URL, asgi, database_for, load_demo_into
from tests.service.factories import completion

RACERS = 8  # revocations posted at once, of badges in one list
# Each path: the actions posted, one after the other, and how many lists they re-sign.
PATHS = {
    "revoke": (["revoke"], 1),
    "suspend": (["suspend"], 1),
    "suspend, reinstate": (["suspend", "reinstate"], 2),
    "suspend, revoke (both lists)": (["suspend", "revoke"], 3),
}

_PG_HELD = {
    "credential": "SELECT 1 FROM credentials WHERE id = $1 FOR UPDATE NOWAIT",
    "issuer": (
        "SELECT 1 FROM issuers WHERE id = (SELECT issuer_id FROM credentials WHERE id = $1)"
        " FOR UPDATE NOWAIT"
    ),
    "status lists": (
        "SELECT 1 FROM status_lists"
        " WHERE issuer_id = (SELECT issuer_id FROM credentials WHERE id = $1) FOR UPDATE NOWAIT"
    ),
}


def _held_on_postgres(url: str, credential_id: uuid.UUID) -> list[str]:
    async def probe() -> list[str]:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        held = []
        try:
            for name, statement in _PG_HELD.items():
                try:
                    async with connection.transaction():
                        await connection.execute(statement, credential_id)
                except asyncpg.LockNotAvailableError:
                    held.append(name)
        finally:
            await connection.close()
        return held

    return asyncio.run(probe())


def _held_on_sqlite(url: str, _credential_id: uuid.UUID) -> list[str]:
    path = make_url(url).database
    assert path is not None
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return ["the database's write lock"]
    finally:
        connection.close()  # rolls back the probe's own transaction
    return []


def _signing_a_status_list() -> bool:
    """Whether the clock is being read to date a status list's signature."""
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_sign" and code.co_filename.endswith("status_lists.py"):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


class ProbingClock:
    """`utc_now`, which also asks another connection what is held when a list is signed."""

    def __init__(self, probe: Callable[[], list[str]]) -> None:
        self._probe = probe
        self.watching = False
        self.held: list[list[str]] = []  # one entry per status list signed while watching

    def __call__(self) -> datetime:
        if self.watching and _signing_a_status_list():
            # In a thread of its own: the probe runs an event loop, and this one is busy.
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
                self.held.append(thread.submit(self._probe).result(timeout=30))
        return utc_now()


@pytest.mark.parametrize("path", list(PATHS))
async def test_no_lock_is_held_while_a_status_list_is_signed(
    settings: Settings, fresh_database: ScratchDatabase, path: str
) -> None:
    credential_id: list[uuid.UUID] = []
    held = _held_on_postgres if fresh_database.backend == "postgres" else _held_on_sqlite
    clock = ProbingClock(lambda: held(fresh_database.url, credential_id[0]))
    async with _serving(settings, fresh_database, clock) as (client, platform, revoker):
        issued = await client.post(
            "/api/v1/completions", json=completion("verrous"), headers=platform
        )
        assert issued.status_code == 201, issued.text
        credential_id.append(uuid.UUID(issued.json()["id"]))

        clock.watching = True
        actions, signed = PATHS[path]
        for action in actions:
            changed = await client.post(
                f"/api/v1/credentials/{credential_id[0]}/{action}",
                json={"reason": "attribué par erreur"},
                headers=revoker,
            )
            assert changed.status_code == 200, changed.text

    assert len(clock.held) == signed, "each changed list is signed once"
    assert clock.held == [[]] * signed


@asynccontextmanager
async def _serving(
    settings: Settings, database: ScratchDatabase, clock: Clock = utc_now
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], dict[str, str]]]:
    """An app committing for real on `database`, suspension entries on, the demo loaded.

    Yields its client, the demo platform's headers and those of a client that may revoke.
    """
    app_settings, pooled = database_for(replace(settings, suspension_entry=True), database)
    demo = await load_demo_into(app_settings, pooled)
    revoker_id, revoker_secret = await _revoker(app_settings, pooled)
    app = create_app(app_settings, database=pooled, clock=clock)
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        platform = await _bearer(client, demo.client_id, demo.client_secret)
        yield client, platform, await _bearer(client, revoker_id, revoker_secret)


async def _revoker(settings: Settings, database: Database) -> tuple[str, str]:
    runtime = Runtime.build(settings, database=database)
    try:
        async with runtime.write(is_operator=True) as services:
            made = await services.clients.create(
                name="Révocations",
                scopes={"credentials:revoke"},
                issuer_slugs={ISSUER_SLUG},
                actor="test",
            )
        return made.client_id, made.client_secret
    finally:
        await runtime.close()


async def _bearer(client: httpx.AsyncClient, client_id: str, secret: str) -> dict[str, str]:
    response = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_concurrent_changes_to_one_list_all_land(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    """Changes that race for one list each land: the losers prepare again, none is lost."""
    async with _serving(settings, fresh_database) as (client, platform, revoker):
        issued = [
            (
                await client.post(
                    "/api/v1/completions", json=completion(f"course-{n}"), headers=platform
                )
            ).json()
            for n in range(RACERS)
        ]

        changed = await asyncio.gather(
            *(
                client.post(
                    f"/api/v1/credentials/{credential['id']}/revoke",
                    json={"reason": "attribué par erreur"},
                    headers=revoker,
                )
                for credential in issued
            )
        )
        assert [response.status_code for response in changed] == [200] * RACERS, [
            response.text for response in changed
        ]
        entries = [_revocation_entry(credential) for credential in issued]
        [status_list] = {entry["statusListCredential"] for entry in entries}
        published = (await client.get(status_list)).json()

    bits = StatusList.decode(published["credentialSubject"]["encodedList"])
    assert all(bits.get(int(entry["statusListIndex"])) for entry in entries)


def _revocation_entry(issued: dict[str, Any]) -> dict[str, str]:
    entry: dict[str, str]
    [entry] = [
        entry
        for entry in issued["credential"]["credentialStatus"]
        if entry["statusPurpose"] == "revocation"
    ]
    return entry


async def test_a_suspension_racing_a_revocation_leaves_the_badge_revoked(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    """Whichever is stored first, the badge ends revoked and its lists say so, and only so."""
    async with _serving(settings, fresh_database) as (client, platform, revoker):
        issued = await client.post("/api/v1/completions", json=completion("duel"), headers=platform)
        url = f"/api/v1/credentials/{issued.json()['id']}"

        suspended, revoked = await asyncio.gather(
            *(
                client.post(f"{url}/{action}", json={"reason": "erreur"}, headers=revoker)
                for action in ("suspend", "revoke")
            )
        )
        entries = {
            entry["statusPurpose"]: entry
            for entry in issued.json()["credential"]["credentialStatus"]
        }
        lists = {
            purpose: StatusList.decode(
                (await client.get(entry["statusListCredential"])).json()["credentialSubject"][
                    "encodedList"
                ]
            )
            for purpose, entry in entries.items()
        }

    assert revoked.status_code == 200, revoked.text
    # suspended first, then revoked; or revoked first, and revocation is final
    assert suspended.status_code in (200, 409), suspended.text
    assert lists["revocation"].get(int(entries["revocation"]["statusListIndex"]))
    assert not lists["suspension"].get(int(entries["suspension"]["statusListIndex"]))
