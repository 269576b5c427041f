"""The OpenAPI document says which operations need a token, and the app agrees.

Every operation the app refuses without a token (401) carries a ``security`` requirement
naming known scopes, none declares ``Authorization`` as a parameter, and an operation whose
requirement allows no anonymous call is indeed refused without one.
"""

import json
import re
from typing import Any

import httpx
import pytest

from service.api.openapi import SCOPES
from service.export import OPENAPI_PATH

DOCUMENT: dict[str, Any] = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
OPERATIONS = [
    (method, path, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]


def _anonymous_allowed(operation: dict[str, Any]) -> bool:
    return not operation.get("security") or {} in operation["security"]


def _url(path: str) -> str:
    """A path with every parameter filled (a UUID where one is expected)."""
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)


def test_no_operation_declares_authorization_as_a_parameter() -> None:
    declared = [
        (method, path)
        for method, path, operation in OPERATIONS
        for parameter in operation.get("parameters", [])
        if parameter["name"].lower() == "authorization"
    ]
    assert declared == []


def test_every_required_scope_is_a_known_one() -> None:
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert set(schemes["oauth2"]["flows"]["clientCredentials"]["scopes"]) == set(SCOPES)
    for _, _, operation in OPERATIONS:
        for requirement in operation.get("security", []):
            for scheme, scopes in requirement.items():
                assert scheme in schemes
                assert set(scopes) <= set(SCOPES)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    OPERATIONS,
    ids=[f"{method.upper()} {path}" for method, path, _ in OPERATIONS],
)
async def test_the_document_and_the_app_agree_on_who_needs_a_token(
    client: httpx.AsyncClient, method: str, path: str, operation: dict[str, Any]
) -> None:
    query = {
        p["name"]: "00000000-0000-4000-8000-000000000000"
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    response = await client.request(
        method.upper(),
        _url(path),
        params=query,
        headers={"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"},
        content=b"{}",
    )

    if _anonymous_allowed(operation):
        assert response.status_code != 401, response.text
    else:
        assert response.status_code == 401, response.text
        assert "401" in operation["responses"]


def _oauth_style(operation: dict[str, Any]) -> bool:
    """OAuth's and OID4VCI's endpoints refuse bad input with their own 400 JSON."""
    refused = operation["responses"].get("400", {}).get("content", {})
    return "application/json" in refused or operation.get("operationId") == "CreateToken"


@pytest.mark.no_sql
def test_every_operation_that_takes_input_documents_the_refusal_of_bad_input() -> None:
    """Bad query or body input answers 422 (OAuth-style endpoints: 400, RFC 6749 §5.2)."""
    undocumented = [
        (method, path)
        for method, path, operation in OPERATIONS
        if (operation.get("requestBody") or any(p["in"] == "query" for p in operation.get("parameters", [])))
        and "422" not in operation["responses"]
        and not _oauth_style(operation)
    ]  # fmt: skip
    assert undocumented == []
