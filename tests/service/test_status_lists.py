"""Status lists are signed when a bit changes, served as stored, and revalidated by ETag."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.status import StatusList
from service.db.tables import StatusListRecord
from service.runtime import Runtime
from tests.service.conftest import Getter, revoke
from tests.service.factories import completion


async def _issued(client: httpx.AsyncClient, token: Getter, external_id: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion(external_id),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _bit(list_credential: dict[str, Any], index: int) -> bool:
    encoded = list_credential["credentialSubject"]["encodedList"]
    return StatusList.decode(encoded).get(index)


async def test_a_status_list_is_served_as_signed_and_revalidated(
    client: httpx.AsyncClient, token: Getter
) -> None:
    issued = await _issued(client, token, "liste")
    url = issued["credential"]["credentialStatus"]["statusListCredential"]
    first, second = await client.get(url), await client.get(url)
    unchanged = await client.get(url, headers={"If-None-Match": first.headers["etag"]})

    assert first.status_code == 200
    assert first.content == second.content  # not re-signed on read
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    assert first.headers["content-type"].startswith("application/vc+ld+json")
    assert unchanged.status_code == 304
    assert unchanged.content == b""


async def test_a_revocation_re_signs_the_list(
    client: httpx.AsyncClient, token: Getter, session: AsyncSession, runtime: Runtime
) -> None:
    issued = await _issued(client, token, "révoquée")
    status = issued["credential"]["credentialStatus"]
    before = await client.get(status["statusListCredential"])
    await revoke(session, runtime, uuid.UUID(issued["id"]))
    await session.commit()
    after = await client.get(status["statusListCredential"])

    index = int(status["statusListIndex"])
    assert not _bit(before.json(), index)
    assert _bit(after.json(), index)
    assert after.headers["etag"] != before.headers["etag"]
    refreshed = await client.get(
        status["statusListCredential"], headers={"If-None-Match": before.headers["etag"]}
    )
    assert refreshed.status_code == 200


async def test_verifying_an_own_badge_signs_nothing(
    client: httpx.AsyncClient, token: Getter, session: AsyncSession
) -> None:
    issued = await _issued(client, token, "vérifiée")
    versions = select(StatusListRecord.version, StatusListRecord.signed_at)
    before = (await session.execute(versions)).all()
    report = await client.post("/api/v1/verifications", json={"url": issued["url"]})

    assert report.json()["verified"] is True, report.text
    assert (await session.execute(versions)).all() == before


async def test_indexes_are_random_and_lists_start_before_they_fill(
    client: httpx.AsyncClient, token: Getter, session: AsyncSession
) -> None:
    indexes = [
        int(
            (await _issued(client, token, f"hasard-{n}"))["credential"]["credentialStatus"][
                "statusListIndex"
            ]
        )
        for n in range(8)
    ]
    lists = (await session.scalars(select(StatusListRecord))).all()

    assert len(set(indexes)) == 8
    assert indexes != sorted(indexes)  # not handed out in order
    assert [record.purpose for record in lists] == ["revocation"]  # suspension is opt-in
    assert all(record.size >= 131_072 for record in lists)
