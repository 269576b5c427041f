"""The home page: what Insigne is, its issuers' badges, the way to /verify; JSON for machines."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.domain.demo import Demo
from service.runtime import Runtime
from tests.service.conftest import PUBLIC_URL, operator, services
from tests.service.test_badge_pages import EN, FR, NAME, Meta


async def test_home_page_says_what_insigne_is_and_lists_the_badges(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    fr = await client.get("/", headers=FR)
    en = await client.get("/", headers=EN)

    assert fr.status_code == 200
    assert fr.headers["content-type"].startswith("text/html")
    assert Meta(fr.text).lang == "fr"
    assert "Open Badges 3.0" in fr.text
    assert "Réseau de développement" in fr.text
    assert NAME in fr.text
    assert f'href="{PUBLIC_URL}/achievements/{demo.achievement}?lang=fr"' in fr.text
    assert f'href="{PUBLIC_URL}/issuers/reseau-demo?lang=fr"' in fr.text
    assert f'href="{PUBLIC_URL}/verify?lang=fr"' in fr.text
    assert "Our issuers&#39; badges" in en.text or "Our issuers' badges" in en.text
    assert f'href="{PUBLIC_URL}/verify?lang=en"' in en.text


async def test_archived_badges_are_not_offered_on_the_home_page(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, demo: Demo
) -> None:
    await operator(session, runtime).achievement_admin.archive(demo.achievement, actor="test")
    await session.commit()

    assert f"/achievements/{demo.achievement}?" not in (await client.get("/", headers=FR)).text


@pytest.mark.usefixtures("demo")
async def test_json_clients_get_an_index_of_the_public_urls(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
        response = await client.get("/", headers=headers)

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        links = response.json()["links"]
        assert links["verifyPage"] == f"{PUBLIC_URL}/verify"
        assert links["openapi"] == f"{PUBLIC_URL}/schema/openapi.json"
        graphql = await client.post(links["graphql"], json={"query": "{ __typename }"})
        assert graphql.json() == {"data": {"__typename": "Query"}}
        for name, url in links.items():
            if name not in ("graphql", "verifications"):  # POST endpoints
                assert (await client.get(url.removeprefix(PUBLIC_URL))).status_code == 200, url


@pytest.mark.empty_catalogue
async def test_an_empty_deployment_says_so(client: httpx.AsyncClient) -> None:
    page = await client.get("/", headers=FR)

    assert page.status_code == 200
    assert "Aucun badge n&#39;est encore publié." in page.text


@pytest.mark.usefixtures("demo")
async def test_the_catalogue_leaves_out_issuers_without_badges(
    session: AsyncSession, runtime: Runtime
) -> None:
    catalogue = await services(session, runtime).badge_pages.catalogue()

    assert [issuer.slug for issuer, _ in catalogue] == ["reseau-demo"]


async def test_unknown_addresses_are_a_404_page_for_browsers_a_problem_for_machines(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/nulle-part", headers=FR)
    problem = await client.get("/nulle-part")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in page.text
    assert 'href="/?lang=fr"' in page.text
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"
