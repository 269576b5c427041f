"""An issuer's admin lists its credentials: filters, cursor pages, and only its issuers."""

from typing import Any

import httpx
import pytest

from service.domain.demo import ISSUER_SLUG
from tests.service.conftest import Getter, MakeClient
from tests.service.factories import completion


@pytest.fixture
async def admin(token: Getter, make_client: MakeClient) -> dict[str, str]:
    client_id, secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    return {"Authorization": f"Bearer {await token(None, client_id, secret)}"}


@pytest.fixture
async def cohort(client: httpx.AsyncClient, token: Getter) -> list[dict[str, Any]]:
    platform = {"Authorization": f"Bearer {await token()}"}
    issued = []
    for n in range(5):
        body = completion(f"liste-{n}", learner={"email": f"l{n}@css.qc.ca", "name": f"L {n}"})
        response = await client.post("/api/v1/completions", json=body, headers=platform)
        issued.append(response.json())
    return issued


async def _list(client: httpx.AsyncClient, headers: dict[str, str], **query: Any) -> Any:
    response = await client.get("/api/v1/credentials", params=query, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_pages_follow_the_cursor_newest_first(
    client: httpx.AsyncClient, admin: dict[str, str], cohort: list[dict[str, Any]]
) -> None:
    first = await _list(client, admin, limit=2)
    second = await _list(client, admin, limit=2, cursor=first["nextCursor"])
    third = await _list(client, admin, limit=2, cursor=second["nextCursor"])

    ids = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert sorted(ids) == sorted(issued["id"] for issued in cohort)
    assert third["nextCursor"] is None
    times = [item["issuedAt"] for page in (first, second, third) for item in page["items"]]
    assert times == sorted(times, reverse=True)


async def test_filters_by_email_status_achievement_and_time(
    client: httpx.AsyncClient, admin: dict[str, str], cohort: list[dict[str, Any]]
) -> None:
    await client.post(
        f"/api/v1/credentials/{cohort[1]['id']}/revoke", json={"reason": "erreur"}, headers=admin
    )

    by_email = await _list(client, admin, email="L3@CSS.qc.ca")
    revoked = await _list(client, admin, status="revoked")
    by_badge = await _list(client, admin, achievement="leadership-pedagonumerique-1-explorateur")
    later = await _list(client, admin, issuedAfter="2999-01-01T00:00:00Z")
    earlier = await _list(client, admin, issuedBefore="2999-01-01T00:00:00+00:00")

    assert [item["externalId"] for item in by_email["items"]] == ["liste-3"]
    assert [item["id"] for item in revoked["items"]] == [cohort[1]["id"]]
    assert revoked["items"][0]["statusReason"] == "erreur"
    assert len(by_badge["items"]) == 5
    assert later["items"] == []
    assert len(earlier["items"]) == 5


async def test_only_the_issuers_admins_see_its_credentials(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient, cohort: list[Any]
) -> None:
    other_id, other_secret = await make_client(scopes={"admin"}, issuers={"autre"})
    unlinked_id, unlinked_secret = await make_client(scopes={"admin"})
    other = {"Authorization": f"Bearer {await token(None, other_id, other_secret)}"}
    unlinked = {"Authorization": f"Bearer {await token(None, unlinked_id, unlinked_secret)}"}
    platform = {"Authorization": f"Bearer {await token()}"}

    assert (await _list(client, other))["items"] == []
    assert (await _list(client, unlinked))["items"] == []
    refused = await client.get("/api/v1/credentials", headers=platform)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "query", [{"status": "perdu"}, {"cursor": "pas-un-curseur"}, {"limit": "0"}]
)
async def test_bad_filters_are_refused(
    client: httpx.AsyncClient, admin: dict[str, str], query: dict[str, str]
) -> None:
    response = await client.get("/api/v1/credentials", params=query, headers=admin)
    assert response.status_code in (400, 422), response.text
