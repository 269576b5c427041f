"""One visibility policy: every route that takes an id, asked by every kind of caller."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CredentialRecord
from service.runtime import Runtime
from tests.service.conftest import Getter, MakeClient, services
from tests.service.factories import completion

CALLERS = ["anonymous", "other-issuer", "no-issuer", "submitter", "issuer-admin", "issuer-reader"]
# Who may read what; every other answer is 404 (401 where a token is required and none is sent).
PRIVATE = {"submitter", "issuer-admin", "issuer-reader"}


@pytest.fixture
async def tokens(
    token: Getter, make_client: MakeClient, session: AsyncSession, runtime: Runtime
) -> dict[str, str | None]:
    await services(session, runtime).issuers.create(
        slug="autre-reseau",
        name="Un autre réseau",
        url="https://autre.example",
        email="badges@autre.example",
        actor="test",
    )
    await session.commit()
    made = {
        "other-issuer": await make_client(scopes={"credentials:read"}, issuers={"autre-reseau"}),
        "no-issuer": await make_client(scopes={"credentials:read", "completions:write"}),
        "issuer-admin": await make_client(scopes={"admin"}, issuers={"reseau-demo"}),
        "issuer-reader": await make_client(scopes={"credentials:read"}, issuers={"reseau-demo"}),
    }
    found: dict[str, str | None] = {"anonymous": None, "submitter": await token()}
    for name, (client_id, secret) in made.items():
        found[name] = await token(client_id=client_id, secret=secret)
    return found


@pytest.fixture
async def private_badge(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion("privé"),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _paths(badge: dict[str, Any]) -> dict[str, str]:
    credential = badge["credential"]
    local = len("http://localhost:8000")
    return {
        "api-credential": f"/api/v1/credentials/{badge['id']}",
        "evidence": credential["evidence"][0]["id"][local:],
        "public-credential": f"/credentials/{badge['id']}",
        "public-jwt": f"/credentials/{badge['id']}.jwt",
        "status-list": credential["credentialStatus"]["statusListCredential"][local:],
        "achievement": credential["credentialSubject"]["achievement"]["id"][local:],
        "issuer": "/issuers/reseau-demo",
    }


def _expected(route: str, caller: str) -> int:
    if route == "api-credential":
        if caller == "anonymous":
            return 401
        return 200 if caller in PRIVATE else 404
    if route == "evidence":
        return 200 if caller in PRIVATE else 404
    return 200  # published for anyone


@pytest.mark.parametrize("caller", CALLERS)
async def test_each_caller_sees_only_what_is_theirs(
    client: httpx.AsyncClient,
    tokens: dict[str, str | None],
    private_badge: dict[str, Any],
    caller: str,
) -> None:
    access = tokens[caller]
    headers = {"Authorization": f"Bearer {access}"} if access else {}
    answers = {
        route: (await client.get(path, headers=headers)).status_code
        for route, path in _paths(private_badge).items()
    }

    assert answers == {route: _expected(route, caller) for route in answers}


@pytest.mark.parametrize("caller", CALLERS)
async def test_unknown_ids_look_like_hidden_ones(
    client: httpx.AsyncClient, tokens: dict[str, str | None], caller: str
) -> None:
    access = tokens[caller]
    headers = {"Authorization": f"Bearer {access}"} if access else {}
    unknown = uuid.uuid4()
    evidence = await client.get(f"/evidence/{unknown}", headers=headers)
    credential = await client.get(f"/credentials/{unknown}", headers=headers)

    assert evidence.status_code == credential.status_code == 404
    assert evidence.json()["detail"] == "no such evidence"


async def test_evidence_made_public_by_the_earner_is_readable_by_anyone(
    client: httpx.AsyncClient,
    private_badge: dict[str, Any],
    session: AsyncSession,
) -> None:
    path = _paths(private_badge)["evidence"]
    assert (await client.get(path)).status_code == 404
    await session.execute(
        update(CredentialRecord)
        .where(CredentialRecord.id == uuid.UUID(private_badge["id"]))
        .values(evidence_public=True)
    )
    await session.commit()

    assert (await client.get(path)).status_code == 200
