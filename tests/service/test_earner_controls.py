"""The earner's management link: private, renewable, and it never changes the signed badge."""

import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CredentialRecord
from service.domain.credentials.earner_controls import token_digest
from tests.service.conftest import Getter, MakeClient
from tests.service.factories import ANSWERS
from tests.service.test_badge_pages import EN, FR, answers_absent, issue, path


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    return await issue(client, token)


def manage_path(body: dict[str, Any]) -> str:
    return str(urlsplit(body["manageUrl"]).path)


async def test_manage_url_is_unguessable_and_stored_hashed(
    issued: dict[str, Any], session: AsyncSession
) -> None:
    secret = manage_path(issued).rsplit("/", 1)[1]

    stored = await session.scalar(
        select(CredentialRecord.manage_token_hash).where(
            CredentialRecord.id == uuid.UUID(issued["id"])
        )
    )

    assert manage_path(issued) == f"/credentials/{issued['id']}/manage/{secret}"
    assert len(secret) >= 43
    assert stored == token_digest(secret)
    assert secret not in str(stored)


async def test_the_earner_sees_their_private_answers_and_nobody_else(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    mine = await client.get(manage_path(issued), headers=FR)
    wrong = await client.get(manage_path(issued)[:-4] + "abcd", headers=FR)

    assert mine.status_code == 200
    assert all(
        answer.split("\n")[0].replace("'", "&#39;") in mine.text for answer in ANSWERS.values()
    )
    assert "Gérer mon badge" in mine.text
    assert mine.headers["cache-control"] == "no-store"
    assert mine.headers["referrer-policy"] == "no-referrer"
    assert wrong.status_code == 404
    assert answers_absent(wrong.text)


async def test_the_earner_makes_answers_public_then_private_again(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    signed_before = (await client.get(path(issued["url"]) + ".json")).content

    saved = await client.post(manage_path(issued), data={"evidencePublic": "on", "lang": "en"})
    public = (await client.get(path(issued["url"]), headers=EN)).text
    evidence = await client.get(path(issued["credential"]["evidence"][0]["id"]))
    await client.post(manage_path(issued), data={"lang": "fr"})
    private = (await client.get(path(issued["url"]), headers=FR)).text

    assert saved.status_code == 303
    assert saved.headers["location"].endswith("?lang=en&saved=1")
    assert "Your choices are saved." in (await client.get(saved.headers["location"])).text
    assert not answers_absent(public)
    assert evidence.status_code == 200
    assert evidence.text == ANSWERS["retenir"]
    assert answers_absent(private)
    assert (await client.get(path(issued["url"]) + ".json")).content == signed_before


async def test_hiding_the_badge_is_recorded(
    client: httpx.AsyncClient, issued: dict[str, Any], session: AsyncSession
) -> None:
    await client.post(manage_path(issued), data={"hidden": "on"})

    hidden = await session.scalar(
        select(CredentialRecord.hidden).where(CredentialRecord.id == uuid.UUID(issued["id"]))
    )
    page = await client.get(manage_path(issued), headers=FR)

    assert hidden is True
    assert 'id="hidden" name="hidden" value="on" checked' in page.text


async def test_shared_answers_are_public_for_good_on_the_earners_page(
    client: httpx.AsyncClient, token: Getter
) -> None:
    shared = await issue(client, token, shareReflections=True)

    page = (await client.get(manage_path(shared), headers=FR)).text

    assert "restent publiques pour de bon" in page
    assert 'name="evidencePublic"' not in page


async def test_platform_renews_the_link_and_the_old_one_stops_working(
    client: httpx.AsyncClient, issued: dict[str, Any], token: Getter
) -> None:
    renewed = await client.post(
        f"/api/v1/credentials/{issued['id']}/manage-link",
        headers={"Authorization": f"Bearer {await token()}"},
    )

    assert renewed.status_code == 200
    fresh = urlsplit(renewed.json()["manageUrl"]).path
    assert fresh != manage_path(issued)
    assert (await client.get(fresh)).status_code == 200
    assert (await client.get(manage_path(issued), headers=FR)).status_code == 404
    assert (
        await client.post(manage_path(issued), data={"evidencePublic": "on"})
    ).status_code == 404


async def test_only_the_issuers_platforms_may_renew_the_link(
    client: httpx.AsyncClient, issued: dict[str, Any], make_client: MakeClient, token: Getter
) -> None:
    stranger_id, stranger_secret = await make_client(scopes={"credentials:read"})
    stranger = await token(client_id=stranger_id, secret=stranger_secret)
    url = f"/api/v1/credentials/{issued['id']}/manage-link"

    refused = await client.post(url, headers={"Authorization": f"Bearer {stranger}"})
    anonymous = await client.post(url)

    assert refused.status_code == 404
    assert anonymous.status_code == 401
    assert (await client.get(manage_path(issued))).status_code == 200
