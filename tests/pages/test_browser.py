"""The pages in a real headless Chromium: verify by clicking, drop a baked PNG, audit with axe."""

from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, Route, ViewportSize

from tests.pages.conftest import SCREENSHOTS, Server
from tests.schema.test_graphiql import install_graphiql

DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)


def page_at(
    browser: Browser, width: ViewportSize, language: str = "fr-CA", *, bypass_csp: bool = False
) -> Page:
    # The audit injects axe-core, which our Content-Security-Policy (rightly) refuses.
    context = browser.new_context(viewport=width, locale=language, bypass_csp=bypass_csp)
    return context.new_page()


def test_badge_page_verifies_by_clicking_and_looks_right(browser: Browser, server: Server) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page = page_at(browser, size)
        page.goto(server.private["url"])
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("h1").inner_text() == "Leadership pédagonumérique 1 – Explorateur"
        page.screenshot(path=str(SCREENSHOTS / f"badge-{name}.png"), full_page=True)

        page.get_by_role("button", name="Vérifier ce badge").click()
        page.wait_for_selector("#report")

        assert "verdict-valid" in (page.locator("#report").get_attribute("class") or "")
        checks = page.locator(".check")
        assert checks.count() >= 7
        assert page.locator(".check-failed").count() == 0
        assert page.locator(".check-passed").count() >= 7
        page.screenshot(path=str(SCREENSHOTS / f"verified-{name}.png"), full_page=True)
        page.context.close()


def test_dropping_a_baked_png_on_the_verify_page(
    browser: Browser,
    server: Server,
) -> None:
    baked = httpx.get(server.private["url"] + ".png").content
    page = page_at(browser, DESKTOP, "en-CA")
    page.goto(f"{server.base}/verify")

    page.set_input_files(
        "#file", files=[FilePayload(name="badge.png", mimeType="image/png", buffer=baked)]
    )
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("#report")

    assert page.locator("#verdict").inner_text().endswith("Valid")
    assert page.locator(".check-failed").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "verify-png.png"), full_page=True)
    page.context.close()


def test_copy_link_works_with_the_keyboard(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-CA")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(server.private["url"])

    page.locator(".copy-button").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.copy-status').textContent !== ''")

    assert page.locator(".copy-status").inner_text() == "Link copied"
    assert page.evaluate("navigator.clipboard.readText()") == server.private["url"]
    context.close()


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("badge", "private"),
        ("shared badge", "shared"),
        ("verify", "/verify"),
        ("home", "/"),
        ("achievement", "/achievements/leadership-pedagonumerique-1-explorateur"),
        ("issuer", "/issuers/reseau-demo"),
        ("404", "/credentials/00000000-0000-0000-0000-000000000000"),
        ("verify report", "report"),
    ],
)
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_or_critical_accessibility_violation(
    browser: Browser, server: Server, axe_source: str, name: str, where: str, size: ViewportSize
) -> None:
    url = {
        "private": server.private["url"],
        "shared": server.shared["url"],
        "report": f"{server.base}/verify?link={server.private['url']}",
    }.get(where, server.base + where)
    page = page_at(browser, size, bypass_csp=True)
    page.goto(url)
    page.add_script_tag(content=axe_source)

    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")

    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name}: {serious}"
    page.context.close()


def test_head_through_the_real_server(server: Server) -> None:
    """uvicorn in front: HEAD gets GET's status and headers, and no body."""
    for url in (server.private["url"], f"{server.base}/", f"{server.base}/verify"):
        for accept in ("text/html", "*/*"):
            got = httpx.get(url, headers={"Accept": accept})
            head = httpx.head(url, headers={"Accept": accept})

            assert head.status_code == got.status_code == 200
            assert head.headers["content-type"] == got.headers["content-type"]
            assert head.headers["content-length"] == str(len(got.content))
            assert head.content == b""


def test_graphiql_works_with_no_internet(browser: Browser, server: Server) -> None:
    """Every request but Insigne's is refused: GraphiQL still loads and runs a query."""
    install_graphiql()
    context = browser.new_context(viewport=DESKTOP)
    refused: list[str] = []

    def only_insigne(route: Route) -> None:
        if route.request.url.startswith(server.base):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_insigne)
    page = context.new_page()
    page.goto(f"{server.base}/graphql?q={quote('{ __typename }')}")
    page.locator(".graphiql-execute-button").click()
    page.wait_for_function("document.querySelector('.result-window')?.innerText.includes('Query')")
    page.screenshot(path=str(SCREENSHOTS / "graphiql.png"))
    context.close()

    assert refused == []
