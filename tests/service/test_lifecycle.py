"""Revoke, suspend and reinstate through the API: statuses, lists, audit, and who may."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import AuditEventRecord, StatusListRecord
from service.domain.credentials.lifecycle import ChangedMeanwhile, PreparedChange
from service.domain.demo import ISSUER_SLUG
from service.runtime import Runtime
from tests.service.conftest import Getter, MakeClient, operator
from tests.service.factories import completion

pytestmark = pytest.mark.settings(suspension_entry=True)  # the opt-in suspension entry


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion("cycle"),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _change(
    client: httpx.AsyncClient, headers: dict[str, str], credential_id: str, action: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/credentials/{credential_id}/{action}",
        json={"reason": "attribué par erreur à « Marie »"},
        headers=headers,
    )


async def _status_check(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    report = (await client.post("/api/v1/verifications", json={"url": url})).json()
    checks = [c for c in report["checks"] if c["code"] == "status"]
    return {"verified": report["verified"], "status": [c["status"] for c in checks]}


async def _count(session: AsyncSession, action: str) -> int:
    return int(
        await session.scalar(select(func.count()).where(AuditEventRecord.action == action)) or 0
    )


async def test_credentials_carry_a_revocation_and_a_suspension_entry(
    issued: dict[str, Any],
) -> None:
    entries = issued["credential"]["credentialStatus"]

    assert [entry["statusPurpose"] for entry in entries] == ["revocation", "suspension"]
    assert entries[0]["statusListCredential"] != entries[1]["statusListCredential"]


async def test_a_revoked_credential_fails_verification_and_a_repeat_changes_nothing(
    client: httpx.AsyncClient,
    issued: dict[str, Any],
    revoker: dict[str, str],
    session: AsyncSession,
) -> None:
    first = await _change(client, revoker, issued["id"], "revoke")
    versions = (await session.execute(select(StatusListRecord.version))).all()
    again = await _change(client, revoker, issued["id"], "revoke")

    assert first.status_code == 200, first.text
    assert first.json()["status"] == "revoked"
    assert first.json()["reason"] == "attribué par erreur à « Marie »"
    assert again.json() == first.json()
    assert (await session.execute(select(StatusListRecord.version))).all() == versions
    assert await _count(session, "credential.revoked") == 1
    assert await _status_check(client, issued["url"]) == {
        "verified": False,
        "status": ["failed", "passed"],
    }
    api = await client.get(f"/api/v1/credentials/{issued['id']}", headers=revoker)
    assert api.status_code == 403  # credentials:revoke alone does not read the API view


async def test_a_suspended_credential_passes_again_after_reinstatement(
    client: httpx.AsyncClient, issued: dict[str, Any], revoker: dict[str, str]
) -> None:
    suspended = await _change(client, revoker, issued["id"], "suspend")
    while_suspended = await _status_check(client, issued["url"])
    reinstated = await _change(client, revoker, issued["id"], "reinstate")

    assert suspended.json()["status"] == "suspended"
    assert while_suspended == {"verified": False, "status": ["passed", "failed"]}
    assert reinstated.json()["status"] == "active"
    assert await _status_check(client, issued["url"]) == {
        "verified": True,
        "status": ["passed", "passed"],
    }


async def test_revocation_is_final(
    client: httpx.AsyncClient, issued: dict[str, Any], revoker: dict[str, str]
) -> None:
    await _change(client, revoker, issued["id"], "revoke")

    for action in ("reinstate", "suspend"):
        refused = await _change(client, revoker, issued["id"], action)
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "final" in refused.json()["detail"]


async def test_only_the_issuers_clients_with_the_scope_change_a_status(
    client: httpx.AsyncClient,
    issued: dict[str, Any],
    token: Getter,
    make_client: MakeClient,
) -> None:
    other_id, other_secret = await make_client(
        scopes={"credentials:revoke"}, issuers={"autre-emetteur"}
    )
    stranger = {"Authorization": f"Bearer {await token(None, other_id, other_secret)}"}
    platform = {"Authorization": f"Bearer {await token()}"}  # no credentials:revoke

    assert (await _change(client, stranger, issued["id"], "revoke")).status_code == 404
    assert (await _change(client, platform, issued["id"], "revoke")).status_code == 403
    anonymous = await client.post(
        f"/api/v1/credentials/{issued['id']}/revoke", json={"reason": "x"}
    )
    assert anonymous.status_code == 401


async def test_a_reason_is_required(
    client: httpx.AsyncClient, issued: dict[str, Any], revoker: dict[str, str]
) -> None:
    for body in ({}, {"reason": ""}, {"reason": "ok", "extra": 1}):
        response = await client.post(
            f"/api/v1/credentials/{issued['id']}/revoke", json=body, headers=revoker
        )
        assert response.status_code == 422, response.text
    blank = await client.post(
        f"/api/v1/credentials/{issued['id']}/suspend", json={"reason": "   "}, headers=revoker
    )
    assert blank.status_code == 422


async def test_a_change_prepared_before_a_key_rotation_is_prepared_again(
    issued: dict[str, Any], session: AsyncSession, runtime: Runtime
) -> None:
    """A list signed with keys retired since must not be stored: the change signs again."""
    services = operator(session, runtime)
    prepared = await services.lifecycle.prepare(uuid.UUID(issued["id"]), "revoked", "erreur")
    assert isinstance(prepared, PreparedChange)
    await services.keys.rotate(ISSUER_SLUG, actor="test")

    with pytest.raises(ChangedMeanwhile):
        await services.lifecycle.store(prepared, actor="test")
