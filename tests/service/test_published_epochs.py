"""An issuer's published epoch moves with what it publishes, and with nothing else.

Migration 0017's triggers bump it, in the changing transaction, when a key or a status list
changes; a completion (which only takes an index from a list) leaves it, so verifiers keep
reusing the documents they built at it (`PublishedDocuments`).
"""

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.domain.demo import ISSUER_SLUG
from service.runtime import Runtime
from tests.service.conftest import Getter, operator
from tests.service.test_badge_pages import issue


async def _epoch(runtime: Runtime) -> Any:
    async with runtime.read() as services:
        return await services.issuers.published_epoch(ISSUER_SLUG)


async def test_completions_leave_the_epoch_and_a_revocation_moves_it(
    client: httpx.AsyncClient, token: Getter, runtime: Runtime, revoker: dict[str, str]
) -> None:
    first = await issue(client, token, external_id="epoque-1")  # may start the issuer's list
    started = await _epoch(runtime)
    await issue(client, token, external_id="epoque-2")
    await issue(client, token, external_id="epoque-3")
    after_completions = await _epoch(runtime)
    revoked = await client.post(
        f"/api/v1/credentials/{first['id']}/revoke", json={"reason": "test"}, headers=revoker
    )
    assert revoked.status_code == 200, revoked.text

    after_revocation = await _epoch(runtime)

    assert started is not None
    assert after_completions == started
    assert after_revocation[0] == started[0]
    assert after_revocation[1] > started[1]


async def test_key_changes_move_the_epoch(runtime: Runtime, session: AsyncSession) -> None:
    started = await _epoch(runtime)
    names = await operator(session, runtime).keys.rotate(ISSUER_SLUG, actor="test")
    await session.commit()
    rotated = await _epoch(runtime)
    await operator(session, runtime).keys.compromise(
        ISSUER_SLUG, names[0].split("#")[1], datetime(2020, 1, 1, tzinfo=UTC), actor="test"
    )
    await session.commit()

    compromised = await _epoch(runtime)

    assert started[1] < rotated[1] < compromised[1]


async def test_an_unknown_slug_has_no_epoch(runtime: Runtime) -> None:
    async with runtime.read() as services:
        assert await services.issuers.published_epoch("personne") is None
