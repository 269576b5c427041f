"""The API documentation pages load every script and style from the app itself (no CDN)."""

from html.parser import HTMLParser

import httpx
import pytest

from service.api.openapi import ASSETS_PATH

CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
}


class Resources(HTMLParser):
    """Collects the URLs a page makes the browser load: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        url = named.get("src") if tag in {"script", "img", "iframe"} else None
        if tag == "link":
            url = named.get("href")
        if url:
            self.urls.append(url)


def resources(page: str) -> list[str]:
    parser = Resources()
    parser.feed(page)
    return parser.urls


@pytest.mark.parametrize("page", ["/schema", "/schema/swagger", "/schema/redoc", "/schema/rapidoc"])
@pytest.mark.no_sql
async def test_docs_page_loads_only_local_assets(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = resources(response.text)
    assert any(url.endswith(".js") for url in urls), urls
    for url in urls:
        assert url.startswith(f"{ASSETS_PATH}/"), f"{page} loads {url} from elsewhere"
        asset = await client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url
        assert asset.content, url
    assert "googleapis" not in response.text
    assert "unpkg.com" not in response.text
    assert "cdn.jsdelivr.net" not in response.text


@pytest.mark.no_sql
async def test_schema_root_is_redoc(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema")
    assert "Redoc.init(" in response.text


@pytest.mark.parametrize("page", ["/schema/elements", "/schema/scalar"])
@pytest.mark.no_sql
async def test_uis_without_a_packaged_bundle_are_not_served(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 404


@pytest.mark.no_sql
async def test_unknown_asset_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{ASSETS_PATH}/swagger-ui/nothing.js")
    assert response.status_code == 404


@pytest.mark.no_sql
async def test_schema_documents_are_still_served(client: httpx.AsyncClient) -> None:
    json_document = await client.get("/schema/openapi.json")
    assert json_document.status_code == 200
    assert json_document.json()["info"]["title"] == "Insigne"
    yaml_document = await client.get("/schema/openapi.yaml")
    assert yaml_document.status_code == 200
    assert "title: Insigne" in yaml_document.text
