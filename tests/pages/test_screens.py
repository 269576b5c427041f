"""Pages that hold on any screen: nothing scrolls sideways at 320 or 390 px, whatever they hold.

Each page is measured in Debian's Chromium (``scrollWidth`` against the viewport) with a
150-character URL, a 300-character word and a 3,000-character answer in it; the table of
widths is written beside the screenshots (``screenshots/scroll-widths.json``).
"""

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ViewportSize

from tests.pages.conftest import (
    HOSTILE_ACHIEVEMENT,
    HOSTILE_ISSUER,
    LONG_URL,
    LONG_WORD,
    SCREENSHOTS,
    Server,
)
from tests.pages.test_browser import page_at

WIDTHS = (320, 390)
PAGES = (
    "badge",
    "manage",
    "wallet",
    "verify",
    "verify report",
    "achievement",
    "issuer",
    "home",
    "404",
)
MEASURED: dict[str, dict[int, int]] = {}


def _url(server: Server, name: str) -> str:
    hostile = server.hostile
    pages: dict[str, str] = {
        "badge": hostile["url"],
        "manage": hostile["manageUrl"],
        "wallet": hostile["manageUrl"],  # then its "add to my wallet" button
        "verify": f"{server.base}/verify",
        "verify report": f"{server.base}/verify?link={hostile['url']}",
        "achievement": f"{server.base}/achievements/{HOSTILE_ACHIEVEMENT}",
        "issuer": f"{server.base}/issuers/{HOSTILE_ISSUER}",
        "home": f"{server.base}/",
        "404": f"{server.base}/{LONG_WORD}",
    }
    return pages[name]


@pytest.fixture(scope="module", autouse=True)
def _write_the_table() -> Iterator[None]:
    yield
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "scroll-widths.json").write_text(json.dumps(MEASURED, indent=2))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_no_page_scrolls_sideways_and_axe_finds_nothing_serious(
    browser: Browser, server: Server, axe_source: str, name: str, width: int
) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page = page_at(browser, ViewportSize(width=width, height=800), bypass_csp=True)
    page.goto(_url(server, name))
    if name == "verify report":
        page.wait_for_selector("#report")
    if name == "wallet":  # the offer: two QR codes, the deep link, a transaction code
        page.check("#tx-code")
        page.click("section.wallet button[type=submit]")
        page.wait_for_selector("figure.qr svg")

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    MEASURED.setdefault(name, {})[width] = scroll_width
    page.screenshot(
        path=str(SCREENSHOTS / f"screen-{name.replace(' ', '-')}-{width}.png"), full_page=True
    )
    page.add_script_tag(content=axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    page.context.close()

    assert viewport == width
    assert scroll_width <= width, f"{name} at {width} px is {scroll_width} px wide"
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name} at {width} px: {serious}"


def test_the_hostile_content_is_on_the_pages(browser: Browser, server: Server) -> None:
    """The measure means something only if the long strings are shown."""
    page = page_at(browser, ViewportSize(width=390, height=800))
    page.goto(server.hostile["url"])
    text = page.locator("main").inner_text()
    page.goto(f"{server.base}/issuers/{HOSTILE_ISSUER}")
    issuer = page.locator("main").inner_text()
    page.context.close()

    assert LONG_WORD in text
    assert LONG_URL in text
    assert LONG_URL in issuer
