import asyncio
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import ClientRecord
from service.domain.demo import Demo
from service.runtime import Runtime
from service.settings import Settings
from tests.service.conftest import Getter, MakeClient, basic, services
from tests.service.factories import completion


async def test_token_by_http_basic(client: httpx.AsyncClient, demo: Demo) -> None:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(demo.client_id, demo.client_secret)},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert set(body["scope"].split()) == {"completions:write", "credentials:read"}


async def test_token_by_form_fields_with_a_narrower_scope(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
            "scope": "credentials:read",
        },
    )

    assert response.json()["scope"] == "credentials:read"


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials", "client_id": "ins_unknown", "client_secret": "x"},
        {"grant_type": "client_credentials"},
    ],
)
async def test_bad_client_credentials_are_401_problems(
    client: httpx.AsyncClient, form: dict[str, str]
) -> None:
    response = await client.post("/oauth/token", data=form)

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401


async def test_wrong_secret_is_401(client: httpx.AsyncClient, demo: Demo) -> None:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(demo.client_id, demo.client_secret + "x")},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.no_sql
async def test_other_grant_types_are_refused(client: httpx.AsyncClient, demo: Demo) -> None:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "password"},
        headers={"Authorization": basic(demo.client_id, demo.client_secret)},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"  # RFC 6749 §5.2


async def test_scope_beyond_the_client_is_invalid_scope(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "admin"},
        headers={"Authorization": basic(demo.client_id, demo.client_secret)},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_wrong_secret_is_invalid_client(client: httpx.AsyncClient, demo: Demo) -> None:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(demo.client_id, "pas-le-bon")},
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    body = response.json()
    assert (body["error"], body["error_description"]) == (
        "invalid_client",
        "invalid client credentials",
    )


async def test_renewing_or_disabling_a_client_ends_its_tokens_at_once(
    client: httpx.AsyncClient, token: Getter, demo: Demo, session: AsyncSession, runtime: Runtime
) -> None:
    before = await token()
    clients = services(session, runtime).clients
    renewed = await clients.renew_secret(demo.client_id, actor="test")
    await session.commit()
    after = await token(secret=renewed.client_secret)
    api = "/api/v1/credentials/00000000-0000-0000-0000-000000000000"

    old = await client.get(api, headers={"Authorization": f"Bearer {before}"})
    new = await client.get(api, headers={"Authorization": f"Bearer {after}"})
    # The verifier and the completion route read the client in their own first unit.
    old_verifies = await _verify(client, before)
    new_verifies = await _verify(client, after)
    old_completes = await _complete(client, before, "avant")
    await clients.disable(demo.client_id, actor="test")
    await session.commit()
    disabled = await client.get(api, headers={"Authorization": f"Bearer {after}"})
    disabled_verifies = await _verify(client, after)
    disabled_completes = await _complete(client, after, "après")

    assert old.status_code == 401
    assert new.status_code == 404  # authenticated, and no such credential
    assert disabled.status_code == 401
    assert (old_verifies.status_code, new_verifies.status_code) == (401, 200)
    assert (old_completes.status_code, disabled_completes.status_code) == (401, 401)
    for refused in (disabled_verifies, disabled_completes):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
    issued = await session.scalar(text("SELECT count(*) FROM completions"))
    assert issued == 0  # nothing was recorded for either refused token


async def _complete(client: httpx.AsyncClient, token: str, external_id: str) -> httpx.Response:
    return await client.post(
        "/api/v1/completions",
        json=completion(external_id),
        headers={"Authorization": f"Bearer {token}"},
    )


async def _verify(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/api/v1/verifications", json={"jwt": "a.b.c"}, headers={"Authorization": f"Bearer {token}"}
    )


async def test_missing_scope_is_403(client: httpx.AsyncClient, token: Getter) -> None:
    read_only = await token(scope="credentials:read")

    response = await client.post(
        "/api/v1/completions", json=completion(), headers={"Authorization": f"Bearer {read_only}"}
    )

    assert response.status_code == 403
    assert "completions:write" in response.json()["detail"]


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer not-a-jwt"])
@pytest.mark.no_sql
async def test_missing_or_malformed_token_is_401(
    client: httpx.AsyncClient, demo: Demo, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}

    response = await client.post("/api/v1/completions", json=completion(), headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_expired_and_tampered_tokens_are_401(
    client: httpx.AsyncClient, token: Getter, settings: Settings, demo: Demo
) -> None:
    good = await token()
    claims = jwt.decode(good, settings.token_secret, algorithms=["HS256"], audience="insigne-api")
    expired = jwt.encode(
        {**claims, "exp": datetime.now(UTC) - timedelta(seconds=5)},
        settings.token_secret,
        algorithm="HS256",
    )
    forged = jwt.encode({**claims, "scope": "admin"}, b"another secret" * 3, algorithm="HS256")
    head, body, signature = good.split(".")
    altered = f"{head}.{body}.{signature[:-3]}AAA"

    for bad in (expired, forged, altered):
        response = await client.get(
            f"/api/v1/credentials/{'0' * 8}-0000-0000-0000-{'0' * 12}",
            headers={"Authorization": f"Bearer {bad}"},
        )
        assert response.status_code == 401, bad


async def test_a_token_used_before_is_refused_once_it_expires(
    client: httpx.AsyncClient, token: Getter, settings: Settings
) -> None:
    claims = jwt.decode(
        await token(), settings.token_secret, algorithms=["HS256"], audience="insigne-api"
    )
    short = jwt.encode(
        {**claims, "exp": datetime.now(UTC) + timedelta(seconds=1)},
        settings.token_secret,
        algorithm="HS256",
    )
    api = f"/api/v1/credentials/{uuid.uuid4()}"

    fresh = await client.get(api, headers={"Authorization": f"Bearer {short}"})
    await asyncio.sleep(1.1)  # its claims were checked once and remembered: expiry still counts
    stale = await client.get(api, headers={"Authorization": f"Bearer {short}"})

    assert fresh.status_code == 404  # authenticated, and no such credential
    assert stale.status_code == 401
    assert "expir" in stale.json()["detail"].lower()


async def test_client_secret_is_stored_only_as_a_hash(
    session: AsyncSession, make_client: MakeClient
) -> None:
    client_id, secret = await make_client(scopes={"credentials:read"})

    record = await session.scalar(select(ClientRecord).where(ClientRecord.client_id == client_id))

    assert record is not None
    assert secret not in record.secret_hash
    assert record.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
