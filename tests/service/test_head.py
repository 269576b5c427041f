"""HEAD wherever GET works: the same status and headers, no body."""

from typing import Any

import httpx
import pytest

from service.domain.demo import Demo
from tests.service.conftest import Getter
from tests.service.test_badge_pages import HTML, issue, path

VOLATILE = {"date", "x-request-id"}


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    return await issue(client, token)


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in VOLATILE}


async def test_head_answers_like_get_without_the_body(
    client: httpx.AsyncClient, demo: Demo, issued: dict[str, Any]
) -> None:
    badge = path(issued["url"])
    status_list = path(issued["credential"]["credentialStatus"]["statusListCredential"])
    asked: list[tuple[str, dict[str, str]]] = [
        (badge, HTML),
        (badge, {}),
        (f"{badge}.json", {}),
        (f"{badge}.jwt", {}),
        (f"{badge}.png", {}),
        (f"{badge}/card.png", {}),
        (f"{badge}/qr.svg", {}),
        (f"/achievements/{demo.achievement}", HTML),
        (f"/achievements/{demo.achievement}", {}),
        (f"/achievements/{demo.achievement}/image.svg", {}),
        ("/issuers/reseau-demo", HTML),
        ("/issuers/reseau-demo", {}),
        ("/issuers/reseau-demo/did.json", {}),
        (status_list, {}),
        ("/verify", HTML),
        ("/static/insigne.css", {}),
        ("/health", {}),
        ("/api/v1/achievements", {}),
        ("/schema/openapi.json", {}),
        ("/credentials/00000000-0000-0000-0000-000000000000", HTML),
        ("/credentials/00000000-0000-0000-0000-000000000000", {}),
    ]
    for url, headers in asked:
        got = await client.get(url, headers=headers)
        head = await client.head(url, headers=headers)

        assert (head.status_code, url) == (got.status_code, url)
        assert _headers(head) == _headers(got), url
        assert int(head.headers["content-length"]) == len(got.content), url
        assert head.content == b"", url


async def test_head_where_get_is_not_allowed_is_a_405(client: httpx.AsyncClient) -> None:
    response = await client.head("/api/v1/completions")

    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
    assert response.content == b""


async def test_status_list_head_revalidates(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    url = issued["credential"]["credentialStatus"]["statusListCredential"]
    etag = (await client.head(url)).headers["etag"]

    assert (await client.head(url, headers={"If-None-Match": etag})).status_code == 304
