"""The badge pages for people: every state in both languages, meta tags, and what stays private."""

import io
import json
import re
import uuid
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.baking import extract
from service.db.tables import CredentialRecord
from service.domain.catalogue.badge_art import qr_png
from service.domain.demo import Demo
from service.domain.portfolios.badge_pages import PICTURES
from service.runtime import Runtime
from tests.service.conftest import Getter, revoke
from tests.service.factories import ANSWERS, completion
from tests.threads import worker_threads

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FR = {**HTML, "Accept-Language": "fr-CA,fr;q=0.9"}
EN = {**HTML, "Accept-Language": "en-CA,en;q=0.9"}
NAME = "Leadership pédagonumérique 1 – Explorateur"


async def issue(client: httpx.AsyncClient, token: Getter, **changes: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion(**changes),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    return await issue(client, token)


def path(url: str) -> str:
    return urlsplit(url).path


class Meta(HTMLParser):
    """The head's meta and link tags, the JSON-LD scripts, and the page's text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.json_ld: list[Any] = []
        self.lang = ""
        self._in_json = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = found.get("lang", "")
        if tag == "meta" and ("property" in found or "name" in found):
            self.meta[found.get("property") or found["name"]] = found.get("content", "")
        if tag == "link":
            self.links.append(found)
        self._in_json = tag == "script" and found.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_ld.append(json.loads(data))
            self._in_json = False


def answers_absent(text: str) -> bool:
    return all(answer[:60] not in text for answer in ANSWERS.values())


@pytest.mark.parametrize(("headers", "lang"), [(FR, "fr"), (EN, "en")])
async def test_badge_page_shows_the_badge_in_the_browsers_language(
    client: httpx.AsyncClient, issued: dict[str, Any], headers: dict[str, str], lang: str
) -> None:
    response = await client.get(path(issued["url"]), headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    page = Meta(html)
    assert page.lang == lang
    for text in (
        NAME,
        "Explorateur",
        "Leadership pédagonumérique",
        "Marie Tremblay",
        "Réseau de développement professionnel pédagonumérique (démo)",
        "Reconnaît une personne qui a exploré le leadership pédagonumérique",
        "Suivre la formation « Leadership pédagonumérique 1 »",
        "Innover et faire preuve de créativité avec le numérique",
        "CRCN-11",
        "Cadre de référence de la compétence numérique",
    ):
        assert text in html, text
    expected = {
        "fr": ("20 novembre 2026", "Valide", "Vérifier ce badge", "Ajouter à mon profil LinkedIn"),
        "en": ("November 20, 2026", "Valid", "Verify this badge", "Add to LinkedIn profile"),
    }[lang]
    for text in expected:
        assert text in html, text
    heading = {
        "fr": "Preuve et attestation de développement professionnel",
        "en": "Evidence of professional development",
    }[lang]
    assert heading in html
    assert 'href="/static/insigne.css"' in html
    assert "https://fonts." not in html
    assert '<script src="http' not in html
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


async def test_lang_parameter_overrides_accept_language(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    response = await client.get(path(issued["url"]) + "?lang=en", headers=FR)

    assert Meta(response.text).lang == "en"
    assert 'href="/credentials/' in response.text
    assert "?lang=fr" in response.text


async def test_badge_page_link_previews_and_structured_data(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    page = Meta((await client.get(path(issued["url"]), headers=FR)).text)
    url = issued["url"]

    assert page.meta["og:title"] == f"{NAME} – Marie Tremblay"
    assert "Marie Tremblay a obtenu le badge" in page.meta["og:description"]
    assert page.meta["og:url"] == url
    assert page.meta["og:image"] == f"{url}/card.png"
    assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1200", "630")
    assert "Marie Tremblay" in page.meta["og:image:alt"]
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["twitter:image"] == f"{url}/card.png"
    assert page.meta["twitter:image:alt"]
    alternate = [link for link in page.links if link.get("rel") == "alternate"]
    assert alternate == [
        {"rel": "alternate", "type": "application/vc+ld+json", "href": f"{url}.json"}
    ]
    (schema,) = page.json_ld
    assert schema["@type"] == "EducationalOccupationalCredential"
    assert schema["name"] == NAME
    assert schema["recognizedBy"]["name"].startswith("Réseau de développement")
    assert {c["termCode"] for c in schema["competencyRequired"]} == {"CRCN-11", "CRCN-5"}

    card = await client.get(path(page.meta["og:image"]))
    assert card.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(card.content)).size == (1200, 630)


async def test_linkedin_link_has_every_parameter_percent_encoded(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    html = (await client.get(path(issued["url"]), headers=FR)).text

    (href,) = re.findall(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', html)
    query = href.replace("&amp;", "&").split("?", 1)[1]
    assert " " not in query
    assert "é" not in query
    assert "–" not in query
    assert "name=Leadership%20p%C3%A9dagonum%C3%A9rique%201%20%E2%80%93%20Explorateur" in query
    params = {k: v[0] for k, v in parse_qs(query).items()}
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": NAME,
        "organizationName": "Réseau de développement professionnel pédagonumérique (démo)",
        "issueYear": "2026",
        "issueMonth": "11",
        "certUrl": issued["url"],
        "certId": issued["id"],
    }


async def test_private_reflections_are_absent_from_every_public_response(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    url = path(issued["url"])
    html = (await client.get(url, headers=FR)).text

    assert "Les réponses réflexives sont privées" in html
    assert "empreinte numérique" in html
    assert answers_absent(html)
    english = (await client.get(url, headers=EN)).text
    assert "The reflective answers are private" in english
    assert answers_absent(english)
    for suffix in ("", ".json", ".jwt", ".png", ".svg", "/card.png", "/qr.svg"):
        response = await client.get(url + suffix)
        assert response.status_code == 200, suffix
        assert answers_absent(response.content.decode("latin-1")), suffix
    document = issued["credential"]
    for evidence in document["evidence"]:
        assert (await client.get(path(evidence["id"]))).status_code == 404


async def test_shared_reflections_are_shown_and_public_for_good(
    client: httpx.AsyncClient, token: Getter
) -> None:
    shared = await issue(client, token, shareReflections=True)

    html = (await client.get(path(shared["url"]), headers=FR)).text

    for answer in ANSWERS.values():
        assert answer.split("\n")[0].replace("'", "&#39;") in html
    assert "Que retenez-vous du leadership pédagonumérique en milieu scolaire ?" in html
    assert "restent publiques pour de bon" in html


async def test_revoked_badge_shows_its_date_and_reason_in_both_languages(
    client: httpx.AsyncClient, issued: dict[str, Any], session: AsyncSession, runtime: Runtime
) -> None:
    await revoke(session, runtime, uuid.UUID(issued["id"]))
    await session.commit()

    french = (await client.get(path(issued["url"]), headers=FR)).text
    english = (await client.get(path(issued["url"]), headers=EN)).text

    assert "Révoqué" in french
    assert "révoqué par son émetteur le" in french
    assert "attribué par erreur" in french
    assert "Revoked" in english
    assert "was revoked by its issuer on" in english


async def test_suspended_badge_says_so(
    client: httpx.AsyncClient, issued: dict[str, Any], session: AsyncSession
) -> None:
    await session.execute(
        update(CredentialRecord)
        .where(CredentialRecord.id == uuid.UUID(issued["id"]))
        .values(status="suspended", status_reason="vérification en cours")
    )
    await session.commit()

    html = (await client.get(path(issued["url"]), headers=EN)).text

    assert "Suspended" in html
    assert "vérification en cours" in html


@pytest.mark.parametrize(("headers", "title"), [(FR, "Page introuvable"), (EN, "Page not found")])
async def test_unknown_badge_is_a_404_page_for_browsers_and_a_problem_for_machines(
    client: httpx.AsyncClient, demo: Demo, headers: dict[str, str], title: str
) -> None:
    unknown = f"/credentials/{uuid.uuid4()}"

    page = await client.get(unknown, headers=headers)
    machine = await client.get(unknown)
    garbage = await client.get("/credentials/pas-un-badge", headers=headers)

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert title in page.text
    assert "Traceback" not in page.text
    assert machine.status_code == 404
    assert machine.headers["content-type"].startswith("application/problem+json")
    assert garbage.status_code == 404
    assert title in garbage.text


async def test_withdrawn_badge_is_a_410_page(
    client: httpx.AsyncClient, issued: dict[str, Any], session: AsyncSession
) -> None:
    await session.execute(
        update(CredentialRecord)
        .where(CredentialRecord.id == uuid.UUID(issued["id"]))
        .values(status="withdrawn")
    )
    await session.commit()

    response = await client.get(path(issued["url"]), headers=EN)

    assert response.status_code == 410
    assert "Badge withdrawn" in response.text


@pytest.mark.parametrize("suffix", [".png", ".svg"])
async def test_baked_downloads_give_back_exactly_the_signed_credential(
    client: httpx.AsyncClient, issued: dict[str, Any], suffix: str
) -> None:
    response = await client.get(path(issued["url"]) + suffix)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "image/png" if suffix == ".png" else "image/svg+xml"
    )
    assert response.headers["cache-control"] == "public, max-age=86400"
    stored = (await client.get(path(issued["url"]) + ".json")).content
    assert extract(response.content) == json.loads(stored)


async def test_demo_badge_has_a_designed_image(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    image = issued["credential"]["credentialSubject"]["achievement"]["image"]["id"]

    svg = await client.get(path(image))
    png = await client.get(path(image).replace(".svg", ".png"))

    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "Explorateur" in svg.text
    assert "Leadership pédagonumérique" in svg.text
    assert Image.open(io.BytesIO(png.content)).size == (512, 512)


async def test_badge_pictures_are_drawn_on_the_pictures_threads(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    """A PNG badge takes about 50 ms to draw: one per design, and designs are per tenant.
    Not in the event loop, nor in the default executor: on threads callers take in turn."""
    image = path(issued["credential"]["credentialSubject"]["achievement"]["image"]["id"])
    before = PICTURES.ran.copy()

    async with worker_threads() as ran:
        png = await client.get(image.replace(".svg", ".png"))
        baked = await client.get(path(issued["url"]) + ".png")

    assert png.headers["content-type"] == "image/png"
    assert extract(baked.content) == issued["credential"]
    assert ran == []
    assert PICTURES.ran - before == {"badge_png": 2}


async def test_qr_codes_of_the_link(client: httpx.AsyncClient, issued: dict[str, Any]) -> None:
    svg = await client.get(path(issued["url"]) + "/qr.svg")
    png = await client.get(path(issued["url"]) + "/qr.png")
    missing = await client.get(f"/credentials/{uuid.uuid4()}/qr.svg")

    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in svg.text
    assert png.content.startswith(b"\x89PNG")
    assert missing.status_code == 404


async def test_a_qr_code_is_drawn_on_the_pictures_threads_once(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    """Drawing one takes 4-7 ms: not in the event loop, and not again for the same link."""
    before = PICTURES.ran.copy()
    async with worker_threads() as ran:
        first = await client.get(path(issued["url"]) + "/qr.png")
        again = await client.get(path(issued["url"]) + "/qr.png")

    assert first.content == again.content
    assert ran == []
    assert PICTURES.ran - before == {"qr_png": 2}  # the second one is the cache's answer
    assert qr_png.cache_info().hits >= 1


async def test_achievement_and_issuer_pages_for_browsers_json_ld_for_machines(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    achievement = await client.get(f"/achievements/{demo.achievement}", headers=EN)
    issuer = await client.get("/issuers/reseau-demo", headers=FR)
    document = await client.get(f"/achievements/{demo.achievement}")
    missing = await client.get("/achievements/inconnu", headers=FR)

    assert achievement.status_code == 200
    assert NAME in achievement.text
    assert "Aligned competencies" in achievement.text
    assert Meta(achievement.text).lang == "en"
    assert issuer.status_code == 200
    assert "Badges décernés" in issuer.text
    assert NAME in issuer.text
    assert document.headers["content-type"].startswith("application/ld+json")
    assert document.json()["name"] == NAME
    assert missing.status_code == 404
    assert "Page introuvable" in missing.text
