"""Link previews: every known crawler gets the page and its cards, every other machine JSON-LD."""

from typing import Any

import httpx
import pytest

from service.crawlers import PREVIEW_AGENTS
from service.domain.demo import Demo
from service.domain.portfolios.badge_pages import PICTURES
from tests.service.conftest import Getter
from tests.service.test_badge_pages import Meta, issue, path
from tests.threads import worker_threads

# Real User-Agent strings, as each service sends them.
CRAWLERS = {
    "LinkedInBot": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "facebookexternalhit": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Facebot": "Facebot",
    "meta-externalagent": "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "Twitterbot": "Twitterbot/1.0",
    "Slackbot": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "SkypeUriPreview": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
    "MicrosoftPreview": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/W.X.Y.Z Safari/537.36 Edg/W.X.Y.Z MicrosoftPreview/2.0 +https://aka.ms/MicrosoftPreview",
    "WhatsApp": "WhatsApp/2.23.20.0 A",
    "Discordbot": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "TelegramBot": "TelegramBot (like TwitterBot)",
    "Googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Google-InspectionTool": "Mozilla/5.0 (compatible; Google-InspectionTool/1.0)",
    "bingbot": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Applebot": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
    "Mastodon": "http.rb/5.1.1 (Mastodon/4.2.1; +https://mastodon.social/)",
    "Bluesky": "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    "redditbot": "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
    "Pinterestbot": "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)",
    "Embedly": "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
    "Iframely": "Iframely/1.3.1 (+https://iframely.com/docs/about)",
}
MACHINES = [
    "curl/8.5.0",
    "python-httpx/0.28.1",
    "python-requests/2.32.3",
    "Python-urllib/3.11",
    "Go-http-client/2.0",
    "okhttp/4.12.0",
    "Java-http-client/21.0.2",
    "node-fetch",
    "axios/1.7.2",
    "Wget/1.21.4",
    "Mozilla/5.0 (compatible; Insigne-verifier/1.0)",
]
ACCEPTS: list[dict[str, str]] = [{"Accept": "*/*"}, {}]
VC_LD = "application/vc+ld+json"


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    return await issue(client, token)


def test_every_listed_agent_has_a_real_agent_string_tested() -> None:
    assert set(CRAWLERS) == set(PREVIEW_AGENTS)


@pytest.mark.parametrize("agent", sorted(CRAWLERS))
@pytest.mark.parametrize("accept", ACCEPTS, ids=["star", "none"])
async def test_crawlers_get_the_page_with_its_card(
    client: httpx.AsyncClient, issued: dict[str, Any], agent: str, accept: dict[str, str]
) -> None:
    url = issued["url"]
    response = await client.get(path(url), headers={**accept, "User-Agent": CRAWLERS[agent]})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "User-Agent" in response.headers["vary"]
    meta = Meta(response.text).meta
    assert meta["og:image"] == f"{url}/card.png"
    assert (meta["og:image:type"], meta["og:image:width"], meta["og:image:height"]) == (
        "image/png",
        "1200",
        "630",
    )
    assert meta["twitter:card"] == "summary_large_image"


@pytest.mark.parametrize("agent", MACHINES)
@pytest.mark.parametrize("accept", ACCEPTS, ids=["star", "none"])
async def test_other_machines_keep_getting_json_ld(
    client: httpx.AsyncClient, issued: dict[str, Any], agent: str, accept: dict[str, str]
) -> None:
    response = await client.get(path(issued["url"]), headers={**accept, "User-Agent": agent})

    assert response.headers["content-type"] == VC_LD
    assert response.json()["id"] == issued["url"]


async def test_explicit_documents_stay_documents_for_crawlers(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    bot = {"User-Agent": CRAWLERS["Googlebot"]}
    url = path(issued["url"])

    suffixed = await client.get(f"{url}.json", headers=bot)
    asked = await client.get(url, headers={**bot, "Accept": "application/ld+json"})
    jwt = await client.get(f"{url}.jwt", headers=bot)

    assert suffixed.headers["content-type"] == VC_LD
    assert asked.headers["content-type"].startswith("application/ld+json")
    assert jwt.headers["content-type"].startswith("application/vc+jwt")


async def test_the_card_is_a_1200_by_630_png(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    card = await client.get(
        path(issued["url"]) + "/card.png", headers={"User-Agent": CRAWLERS["LinkedInBot"]}
    )

    assert card.status_code == 200
    assert card.headers["content-type"] == "image/png"
    assert card.content[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")


async def test_a_card_is_drawn_on_the_pictures_threads(
    client: httpx.AsyncClient, token: Getter
) -> None:
    """Drawing one takes about 60 ms: in the event loop it would stall every other request,
    and in the default executor a crawler's many would hold up everyone's."""
    issued = await issue(client, token, external_id="carte-fil")  # a new earner's card
    before = PICTURES.ran.copy()
    async with worker_threads() as ran:
        card = await client.get(path(issued["url"]) + "/card.png")

    assert card.status_code == 200
    assert "preview_card" not in ran
    assert (PICTURES.ran - before)["preview_card"] == 1


async def test_achievement_and_issuer_pages_for_crawlers(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    bot = {"User-Agent": CRAWLERS["facebookexternalhit"], "Accept": "*/*"}
    curl = {"User-Agent": "curl/8.5.0", "Accept": "*/*"}
    for url in (f"/achievements/{demo.achievement}", "/issuers/reseau-demo"):
        page = await client.get(url, headers=bot)
        document = await client.get(url, headers=curl)

        assert page.headers["content-type"].startswith("text/html")
        assert document.headers["content-type"].startswith("application/ld+json")
