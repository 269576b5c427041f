"""The verify page for employers: a link, a JWT, a baked image or a JSON file, in words."""

import copy
import json
import re
from typing import Any

import httpx
import pytest

from tests.service.conftest import Getter
from tests.service.test_badge_pages import EN, FR, answers_absent, issue, path


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    return await issue(client, token)


@pytest.mark.no_sql
async def test_the_form_in_both_languages(client: httpx.AsyncClient) -> None:
    french = await client.get("/verify", headers=FR)
    english = await client.get("/verify?lang=en", headers=FR)

    assert french.status_code == 200
    assert "Vérifier un badge" in french.text
    assert 'enctype="multipart/form-data"' in french.text
    assert 'type="file"' in french.text
    assert "Verify a badge" in english.text
    assert '<html lang="en">' in english.text


async def test_the_badge_pages_button_verifies_the_badge(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    response = await client.get("/verify", params={"link": issued["url"], "lang": "fr"})

    assert response.status_code == 200
    html = response.text
    assert "verdict-valid" in html
    assert "Valide" in html
    assert "check-failed" not in html
    assert html.count("check-passed") >= 7
    assert "La signature correspond" in html
    assert answers_absent(html)


async def test_a_dropped_baked_png_is_verified(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    baked = (await client.get(path(issued["url"]) + ".png")).content

    response = await client.post(
        "/verify", files={"file": ("badge.png", baked, "image/png")}, data={"lang": "en"}
    )

    assert response.status_code == 200
    assert "verdict-valid" in response.text
    assert "check-failed" not in response.text


async def test_a_pasted_jwt_and_a_dropped_json_file(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    by_jwt = await client.post("/verify", files={"jwt": (None, issued["jwt"])}, headers=EN)
    document = json.dumps(issued["credential"]).encode()
    by_file = await client.post(
        "/verify", files={"file": ("badge.json", document, "application/json")}, headers=EN
    )

    assert "verdict-valid" in by_jwt.text
    assert "verdict-valid" in by_file.text


async def test_a_tampered_badge_is_not_valid_and_says_why(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    tampered = copy.deepcopy(issued["credential"])
    tampered["credentialSubject"]["achievement"]["name"] = "Leadership pédagonumérique 3 – Expert"

    response = await client.post(
        "/verify",
        files={"file": ("badge.json", json.dumps(tampered).encode(), "application/json")},
        headers=FR,
    )

    assert "verdict-invalid" in response.text
    assert "Non valide" in response.text
    assert "check-failed" in response.text


@pytest.mark.no_sql
async def test_nothing_or_two_things_is_explained(client: httpx.AsyncClient) -> None:
    nothing = await client.post("/verify", files={"link": (None, "")}, headers=EN)
    not_a_link = await client.get("/verify", params={"link": "bonjour"}, headers=FR)

    assert nothing.status_code == 422
    assert "could not be processed" in nothing.text
    assert not_a_link.status_code == 422
    assert "La demande n" in not_a_link.text


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize(
    ("lang", "awarded"), [("fr", "20 novembre 2026"), ("en", "November 20, 2026")]
)
async def test_the_report_tells_dates_in_the_readers_language(
    client: httpx.AsyncClient, issued: dict[str, Any], lang: str, awarded: str
) -> None:
    response = await client.get("/verify", params={"link": issued["url"], "lang": lang})

    report = response.text[response.text.index('id="report"') : response.text.index("</section>")]
    assert awarded in report
    assert not ISO_DATE.search(report), ISO_DATE.findall(report)


@pytest.mark.parametrize("value", [{"@value": "2026-11-20"}, ["2026"], 20261120, "hier soir"])
async def test_a_date_that_is_not_one_does_not_break_the_report(
    client: httpx.AsyncClient, issued: dict[str, Any], value: object
) -> None:
    forged = copy.deepcopy(issued["credential"])
    forged["validFrom"] = forged["awardedDate"] = value

    response = await client.post(
        "/verify",
        files={"file": ("badge.json", json.dumps(forged).encode(), "application/json")},
        headers=FR,
    )

    assert response.status_code == 200
    assert "verdict-invalid" in response.text
