"""Public documents answer cross-origin reads (CORS), preflight included; nothing private does."""

from typing import Any

import httpx
import pytest

from service.domain.demo import ISSUER_SLUG
from tests.service.conftest import Getter
from tests.service.factories import completion

ORIGIN = {"Origin": "https://verifier.example"}


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion("cors"),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _public_paths(issued: dict[str, Any]) -> list[str]:
    credential = issued["credential"]
    local = len("http://localhost:8000")
    return [
        f"/credentials/{issued['id']}",
        f"/credentials/{issued['id']}.json",
        f"/credentials/{issued['id']}.jwt",
        f"/credentials/{issued['id']}.png",
        f"/issuers/{ISSUER_SLUG}",
        f"/issuers/{ISSUER_SLUG}/did.json",
        f"/issuers/{ISSUER_SLUG}/keys/key-rsa-1",
        credential["credentialStatus"]["statusListCredential"][local:],
        credential["credentialSubject"]["achievement"]["id"][local:],
    ]


async def test_public_documents_are_readable_cross_origin(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    for path in _public_paths(issued):
        response = await client.get(path, headers=ORIGIN)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["access-control-allow-origin"] == "*", path
        assert "access-control-allow-credentials" not in response.headers


async def test_a_preflight_allows_reads_of_public_documents_only(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    ask = {**ORIGIN, "Access-Control-Request-Method": "GET"}
    for path in _public_paths(issued):
        response = await client.options(
            path, headers={**ask, "Access-Control-Request-Headers": "accept"}
        )
        assert response.status_code == 204, path
        assert response.headers["access-control-allow-origin"] == "*"
        assert "GET" in response.headers["access-control-allow-methods"]
        assert "accept" in response.headers["access-control-allow-headers"].lower()
    write = await client.options(
        f"/credentials/{issued['id']}", headers={**ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in write.headers


async def test_nothing_private_answers_cross_origin(
    client: httpx.AsyncClient, issued: dict[str, Any], token: Getter
) -> None:
    bearer = {"Authorization": f"Bearer {await token()}"}
    manage = issued["manageUrl"][len("http://localhost:8000") :]
    evidence = issued["credential"]["evidence"][0]["id"][len("http://localhost:8000") :]
    private = [
        ("GET", f"/api/v1/credentials/{issued['id']}", bearer),
        ("GET", "/api/v1/achievements", bearer),
        ("POST", "/oauth/token", {}),
        ("GET", manage, {}),
        ("GET", evidence, bearer),
        ("POST", "/graphql", bearer),
        ("POST", "/api/v1/verifications", {}),
    ]
    for method, path, headers in private:
        response = await client.request(method, path, headers={**ORIGIN, **headers})
        assert "access-control-allow-origin" not in response.headers, path
        preflight = await client.options(
            path, headers={**ORIGIN, "Access-Control-Request-Method": method}
        )
        assert "access-control-allow-origin" not in preflight.headers, path
