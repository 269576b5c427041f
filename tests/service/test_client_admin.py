"""API clients administered over HTTP: no escalation, secrets shown once, tokens cut at once."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import AuditEventRecord, ClientRecord
from service.domain.demo import ISSUER_SLUG
from tests.service.conftest import Getter, MakeClient

Headers = dict[str, str]
ADMIN_SCOPES = {"admin", "completions:write", "credentials:read"}
NOWHERE = "/api/v1/credentials/00000000-0000-4000-8000-000000000000"  # 404 with a valid token


def new_client(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Moodle du CSS",
        "scopes": ["completions:write"],
        "issuers": [ISSUER_SLUG],
    }
    body.update(changes)
    return body


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def admin(token: Getter, make_client: MakeClient) -> Headers:
    client_id, secret = await make_client(scopes=ADMIN_SCOPES, issuers={ISSUER_SLUG})
    return bearer(await token(None, client_id, secret))


async def _create(client: httpx.AsyncClient, headers: Headers, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/clients", json=new_client(**body), headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


async def test_a_new_clients_secret_is_shown_once_and_works(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    created = await _create(client, admin)
    shown = await client.get(f"/api/v1/clients/{created['clientId']}", headers=admin)
    issued = await _token(client, created["clientId"], created["clientSecret"])

    assert set(created) == {
        "clientId",
        "clientSecret",
        "name",
        "scopes",
        "issuers",
        "createdAt",
        "disabledAt",
    }
    assert created["scopes"] == ["completions:write"]
    assert created["issuers"] == [ISSUER_SLUG]
    assert created["disabledAt"] is None
    assert shown.status_code == 200, shown.text
    assert shown.json() == {k: v for k, v in created.items() if k != "clientSecret"}
    assert created["clientSecret"] not in shown.text
    assert issued.status_code == 200, issued.text
    assert issued.json()["scope"] == "completions:write"


async def test_clients_are_listed_newest_first_by_cursor_pages(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    made = [(await _create(client, admin, name=f"Plateforme {n}"))["clientId"] for n in range(3)]
    seen: list[str] = []
    times: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/clients", params=params, headers=admin)).json()
        assert all(
            "clientSecret" not in item and "secretHash" not in item for item in page["items"]
        )
        seen.extend(item["clientId"] for item in page["items"])
        times.extend(item["createdAt"] for item in page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen))
    # The demo's platform, the admin itself and the three new ones: newest first.
    assert len(seen) == 5
    assert set(made) <= set(seen)
    assert times == sorted(times, reverse=True)  # the clock ticks in seconds: ties by id
    bad = await client.get("/api/v1/clients", params={"cursor": "pas-un-curseur"}, headers=admin)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


async def test_listing_clients_never_reads_other_issuers_clients(
    client: httpx.AsyncClient, admin: Headers, session: AsyncSession
) -> None:
    """An issuer's admin pages through its clients: other tenants' are not even loaded."""
    now = datetime.now(UTC)
    for n in range(20):
        session.add(
            ClientRecord(
                client_id=f"ailleurs-{n}", name="Ailleurs", secret_hash="-", scopes=["admin"],
                issuer_slugs=[f"autre-{n}"], created_at=now,
            )
        )  # fmt: skip
    await session.commit()
    loaded: list[str] = []

    def _loaded(record: ClientRecord, _context: object) -> None:
        loaded.append(record.client_id)

    event.listen(ClientRecord, "load", _loaded)
    try:
        page = await client.get("/api/v1/clients", headers=admin)
    finally:
        event.remove(ClientRecord, "load", _loaded)

    assert page.status_code == 200, page.text
    assert not [name for name in loaded if name.startswith("ailleurs-")], loaded
    assert len(page.json()["items"]) == 2  # the demo's platform and the admin itself


async def test_an_admin_grants_any_scope_for_its_issuers_only(
    client: httpx.AsyncClient, admin: Headers, make_client: MakeClient, token: Getter
) -> None:
    # An admin made with `admin` alone, as an operator would: it creates platform clients.
    only_admin_id, only_admin_secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    only_admin = {"Authorization": f"Bearer {await token(None, only_admin_id, only_admin_secret)}"}
    platform = await client.post(
        "/api/v1/clients", json=new_client(scopes=["completions:write"]), headers=only_admin
    )
    revoker = await client.post(
        "/api/v1/clients", json=new_client(scopes=["credentials:revoke"]), headers=admin
    )
    elsewhere = await client.post(
        "/api/v1/clients", json=new_client(issuers=["autre"]), headers=only_admin
    )
    unknown = await client.post("/api/v1/clients", json=new_client(scopes=["root"]), headers=admin)

    assert platform.status_code == 201, platform.text
    assert platform.json()["scopes"] == ["completions:write"]
    assert revoker.status_code == 201, revoker.text
    assert elsewhere.status_code == 422, elsewhere.text
    assert elsewhere.json()["errors"][0]["field"] == "issuers"
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["errors"][0]["field"] == "scopes"


@pytest.mark.parametrize(
    "issuers",
    [["autre"], [ISSUER_SLUG, "autre"], ["inconnu"], []],
)
async def test_issuers_the_caller_does_not_administer_are_refused(
    client: httpx.AsyncClient, admin: Headers, issuers: list[str]
) -> None:
    response = await client.post("/api/v1/clients", json=new_client(issuers=issuers), headers=admin)

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["issuers"]


async def test_bad_bodies_are_field_problems(client: httpx.AsyncClient, admin: Headers) -> None:
    for body in (
        new_client(name=""),
        new_client(scopes=[]),
        new_client(secret="choisi"),
        {"name": "Sans portée"},
    ):
        response = await client.post("/api/v1/clients", json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"], response.text


async def test_another_admins_clients_do_not_exist_for_it(
    client: httpx.AsyncClient, admin: Headers, token: Getter, make_client: MakeClient
) -> None:
    theirs, _ = await make_client(scopes={"completions:write"}, issuers={"autre"})
    shared, _ = await make_client(scopes={"completions:write"}, issuers={ISSUER_SLUG, "autre"})
    unlinked, _ = await make_client(scopes={"completions:write"}, issuers=set())

    listed = (await client.get("/api/v1/clients", params={"limit": 200}, headers=admin)).json()
    assert not {theirs, shared, unlinked} & {item["clientId"] for item in listed["items"]}
    for client_id in (theirs, shared, unlinked, "ins_inconnu"):
        for method, path in (
            ("GET", ""),
            ("POST", "/disable"),
            ("POST", "/renew-secret"),
        ):
            response = await client.request(
                method, f"/api/v1/clients/{client_id}{path}", headers=admin
            )
            assert response.status_code == 404, (client_id, path, response.text)
            assert response.json()["type"].endswith("/not-found")


async def test_a_disabled_clients_tokens_and_secret_stop_working(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    created = await _create(client, admin, scopes=["credentials:read"])
    issued = (await _token(client, created["clientId"], created["clientSecret"])).json()
    headers = bearer(issued["access_token"])
    assert (await client.get(NOWHERE, headers=headers)).status_code == 404

    disabled = await client.post(f"/api/v1/clients/{created['clientId']}/disable", headers=admin)

    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabledAt"] is not None
    refused = await client.get(NOWHERE, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    again = await _token(client, created["clientId"], created["clientSecret"])
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_client"


async def test_a_disabled_clients_token_stops_verifying_at_once(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    """The verification route reads its caller's client afresh too (it keeps no principal)."""
    created = await _create(client, admin, scopes=["credentials:read"])
    issued = (await _token(client, created["clientId"], created["clientSecret"])).json()
    headers = bearer(issued["access_token"])
    before = await client.post("/api/v1/verifications", json={"jwt": "a.b.c"}, headers=headers)

    disabled = await client.post(f"/api/v1/clients/{created['clientId']}/disable", headers=admin)
    after = await client.post("/api/v1/verifications", json={"jwt": "a.b.c"}, headers=headers)
    anonymous = await client.post("/api/v1/verifications", json={"jwt": "a.b.c"})

    assert before.status_code == 200, before.text
    assert disabled.status_code == 200, disabled.text
    assert after.status_code == 401, after.text
    assert after.json()["error"] == "invalid_token"
    assert anonymous.status_code == 200  # the same body, without the token: verified


async def test_a_client_cannot_disable_itself(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient
) -> None:
    client_id, secret = await make_client(scopes=ADMIN_SCOPES, issuers={ISSUER_SLUG})
    itself = bearer(await token(None, client_id, secret))

    refused = await client.post(f"/api/v1/clients/{client_id}/disable", headers=itself)

    assert refused.status_code == 403, refused.text
    assert (await client.get(f"/api/v1/clients/{client_id}", headers=itself)).status_code == 200


async def test_a_renewed_secret_works_and_the_old_one_and_its_tokens_fail(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    created = await _create(client, admin, scopes=["credentials:read"])
    old_token = (await _token(client, created["clientId"], created["clientSecret"])).json()

    renewed = await client.post(
        f"/api/v1/clients/{created['clientId']}/renew-secret", headers=admin
    )

    assert renewed.status_code == 200, renewed.text
    assert set(renewed.json()) == {"clientId", "clientSecret"}
    secret = renewed.json()["clientSecret"]
    assert secret != created["clientSecret"]
    assert (await _token(client, created["clientId"], secret)).status_code == 200
    assert (await _token(client, created["clientId"], created["clientSecret"])).status_code == 401
    stale = await client.get(NOWHERE, headers=bearer(old_token["access_token"]))
    assert stale.status_code == 401


async def test_an_admin_manages_its_issuers_clients_whatever_their_scopes(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient
) -> None:
    stronger, _ = await make_client(scopes={"credentials:revoke"}, issuers={ISSUER_SLUG})
    client_id, secret = await make_client(scopes=ADMIN_SCOPES, issuers={ISSUER_SLUG})
    caller = bearer(await token(None, client_id, secret))

    seen = await client.get(f"/api/v1/clients/{stronger}", headers=caller)
    renewed = await client.post(f"/api/v1/clients/{stronger}/renew-secret", headers=caller)
    disabled = await client.post(f"/api/v1/clients/{stronger}/disable", headers=caller)

    assert seen.status_code == 200
    assert renewed.status_code == 200, renewed.text
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabledAt"] is not None


async def test_client_changes_are_audited_without_secrets(
    client: httpx.AsyncClient, admin: Headers, session: AsyncSession
) -> None:
    created = await _create(client, admin)
    renewed = await client.post(
        f"/api/v1/clients/{created['clientId']}/renew-secret", headers=admin
    )
    await client.post(f"/api/v1/clients/{created['clientId']}/disable", headers=admin)

    events = (
        await session.scalars(
            select(AuditEventRecord).where(AuditEventRecord.subject == created["clientId"])
        )
    ).all()
    assert sorted(e.action for e in events) == [
        "client.create",
        "client.disable",
        "client.renew-secret",
    ]
    assert {e.issuer for e in events} == {ISSUER_SLUG}
    stored = repr([(e.actor, e.detail) for e in events])
    assert created["clientSecret"] not in stored
    assert renewed.json()["clientSecret"] not in stored
    create = next(e for e in events if e.action == "client.create")
    assert create.detail == {"name": "Moodle du CSS", "scopes": ["completions:write"]}


async def test_client_administration_needs_the_admin_scope(
    client: httpx.AsyncClient, token: Getter
) -> None:
    platform = bearer(await token())

    assert (await client.get("/api/v1/clients")).status_code == 401
    assert (await client.get("/api/v1/clients", headers=platform)).status_code == 403
    refused = await client.post("/api/v1/clients", json=new_client(), headers=platform)
    assert refused.status_code == 403
