"""Tracks with ordered levels: a level may require the one below it."""

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import IssuerRecord, TrackRecord
from service.domain.demo import EXPLORER, ISSUER_SLUG
from service.runtime import Runtime
from tests.service.conftest import Getter, MakeClient, services
from tests.service.factories import completion

LEVEL_2 = "leadership-pedagonumerique-2-praticien"


@pytest.fixture
async def admin(token: Getter, make_client: MakeClient) -> dict[str, str]:
    client_id, secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    return {"Authorization": f"Bearer {await token(None, client_id, secret)}"}


@pytest.fixture
async def level_2(session: AsyncSession, runtime: Runtime, admin: dict[str, str]) -> str:
    unit = services(session, runtime)
    issuer = await unit.issuers.find(ISSUER_SLUG)
    assert issuer is not None
    second = replace(
        EXPLORER, slug=LEVEL_2, level=2, level_name="Praticien", name="Leadership 2 – Praticien"
    )
    await unit.achievements.create(issuer.id, second)
    await session.commit()
    return LEVEL_2


async def _track(client: httpx.AsyncClient, admin: dict[str, str], *, requires: bool) -> None:
    response = await client.post(
        "/api/v1/tracks",
        json={
            "slug": "leadership-pedagonumerique",
            "issuer": ISSUER_SLUG,
            "name": EXPLORER.track,
            "requiresPreviousLevel": requires,
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text


async def test_a_level_that_requires_the_one_below_is_refused_without_it(
    client: httpx.AsyncClient, token: Getter, admin: dict[str, str], level_2: str
) -> None:
    await _track(client, admin, requires=True)
    platform = {"Authorization": f"Bearer {await token()}"}
    body = completion("niveau-2", achievement=level_2)

    refused = await client.post("/api/v1/completions", json=body, headers=platform)
    first = await client.post("/api/v1/completions", json=completion("niveau-1"), headers=platform)
    accepted = await client.post("/api/v1/completions", json=body, headers=platform)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "requires level 1" in refused.json()["errors"][0]["message"]
    assert first.status_code == 201
    assert accepted.status_code == 201, accepted.text


async def test_a_revoked_lower_level_does_not_count(
    client: httpx.AsyncClient, token: Getter, admin: dict[str, str], level_2: str
) -> None:
    await _track(client, admin, requires=True)
    platform = {"Authorization": f"Bearer {await token()}"}
    first = await client.post("/api/v1/completions", json=completion("n1"), headers=platform)
    await client.post(
        f"/api/v1/credentials/{first.json()['id']}/revoke", json={"reason": "erreur"}, headers=admin
    )

    refused = await client.post(
        "/api/v1/completions", json=completion("n2", achievement=level_2), headers=platform
    )
    assert refused.status_code == 422


async def test_a_track_that_does_not_require_it_accepts_any_level(
    client: httpx.AsyncClient, token: Getter, admin: dict[str, str], level_2: str
) -> None:
    await _track(client, admin, requires=False)
    platform = {"Authorization": f"Bearer {await token()}"}
    body = completion("libre", achievement=level_2)

    assert (
        await client.post("/api/v1/completions", json=body, headers=platform)
    ).status_code == 201
    changed = await client.patch(
        "/api/v1/tracks/leadership-pedagonumerique",
        json={"requiresPreviousLevel": True},
        headers=admin,
    )
    assert changed.json()["requiresPreviousLevel"] is True
    listed = await client.get("/api/v1/tracks", headers=admin)
    assert [t["slug"] for t in listed.json()] == ["leadership-pedagonumerique"]


async def test_tracks_belong_to_the_issuers_admins(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient, admin: dict[str, str]
) -> None:
    other_id, other_secret = await make_client(scopes={"admin"}, issuers={"autre"})
    other = {"Authorization": f"Bearer {await token(None, other_id, other_secret)}"}
    refused = await client.post(
        "/api/v1/tracks",
        json={"slug": "t", "issuer": ISSUER_SLUG, "name": "T"},
        headers=other,
    )
    await _track(client, admin, requires=False)

    assert refused.status_code == 422
    assert (await client.get("/api/v1/tracks", headers=other)).json() == []
    hidden = await client.patch("/api/v1/tracks/leadership-pedagonumerique", json={}, headers=other)
    assert hidden.status_code == 404


async def test_another_platforms_lower_level_tells_nothing(
    client: httpx.AsyncClient,
    token: Getter,
    make_client: MakeClient,
    admin: dict[str, str],
    level_2: str,
) -> None:
    """A platform that may not read a learner's level 1 badge cannot probe for it."""
    await _track(client, admin, requires=True)
    platform = {"Authorization": f"Bearer {await token()}"}
    first = await client.post("/api/v1/completions", json=completion("niveau-1"), headers=platform)
    writer_id, writer_secret = await make_client(
        scopes={"completions:write"}, issuers={ISSUER_SLUG}
    )
    writer = {"Authorization": f"Bearer {await token(None, writer_id, writer_secret)}"}

    probe = await client.post(
        "/api/v1/completions", json=completion("sonde", achievement=level_2), headers=writer
    )

    assert first.status_code == 201
    assert probe.status_code == 422, probe.text
    assert "requires level 1" in probe.json()["errors"][0]["message"]


async def test_listing_tracks_never_reads_other_issuers(
    client: httpx.AsyncClient, admin: dict[str, str], session: AsyncSession
) -> None:
    """An issuer's admin lists its tracks: other tenants' tracks and issuers are not loaded."""
    await _track(client, admin, requires=False)
    now = datetime.now(UTC)
    for n in range(10):
        issuer = IssuerRecord(
            slug=f"ailleurs-{n}", name="Ailleurs", url="https://ailleurs.exemple",
            email="info@ailleurs.exemple", created_at=now,
        )  # fmt: skip
        session.add(issuer)
        await session.flush()
        session.add(
            TrackRecord(
                slug=f"piste-ailleurs-{n}", issuer_id=issuer.id, name="Piste",
                requires_previous_level=False, created_at=now,
            )
        )  # fmt: skip
    await session.commit()
    loaded: list[str] = []

    def _loaded(record: IssuerRecord | TrackRecord, _context: object) -> None:
        loaded.append(record.slug)

    for kind in (IssuerRecord, TrackRecord):
        event.listen(kind, "load", _loaded)
    try:
        listed = await client.get("/api/v1/tracks", headers=admin)
    finally:
        for kind in (IssuerRecord, TrackRecord):
            event.remove(kind, "load", _loaded)

    assert [t["slug"] for t in listed.json()] == ["leadership-pedagonumerique"]
    assert not [slug for slug in loaded if "ailleurs" in slug], loaded
