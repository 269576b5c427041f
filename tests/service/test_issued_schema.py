"""Issued credentials against 1EdTech's OB 3.0 JSON schema: every variant, by default.

The schema allows one ``credentialStatus`` object (1EdTech openbadges-specification#623), so
by default a credential carries the revocation entry alone; the suspension entry beside it
(a list, as VC 2.0 allows) is opt-in (``INSIGNE_SUSPENSION_ENTRY=1``), and credentials issued
with it keep both entries and can still be suspended when the setting is off again.
"""

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from openbadges.proofs.jwt import decode_jwt_unverified
from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.domain.demo import ISSUER_SLUG
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.openbadges.test_models import schema_errors
from tests.service.conftest import PUBLIC_URL, Getter, MakeClient, asgi
from tests.service.factories import completion

SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


async def _issue(
    client: httpx.AsyncClient, access: str, external_id: str, **changes: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The served JSON-LD credential and the JWT's payload."""
    headers = {"Authorization": f"Bearer {access}"}
    body = completion(external_id, **changes)
    issued = await client.post("/api/v1/completions", json=body, headers=headers)
    assert issued.status_code == 201, issued.text
    served: dict[str, Any] = (await client.get(issued.json()["credential"]["id"])).json()
    _, payload = decode_jwt_unverified(issued.json()["jwt"])
    return served, payload


async def test_every_issued_variant_validates_and_names_the_schema(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient, shared: Path
) -> None:
    access = await token()
    admin_id, admin_secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    admin = {"Authorization": f"Bearer {await token(None, admin_id, admin_secret)}"}
    variants = {
        "private": await _issue(client, access, "privee"),
        "public": await _issue(client, access, "publique", shareReflections=True),
        "learner DID": await _issue(
            client, access, "did", learner={**completion()["learner"], "id": "did:example:marie"}
        ),
    }
    revoked, _ = await _issue(client, access, "a-revoquer")
    path = f"/api/v1/credentials/{revoked['id'].rsplit('/', 1)[1]}/revoke"
    assert (await client.post(path, json={"reason": "erreur"}, headers=admin)).status_code == 200
    variants["revoked"] = ((await client.get(revoked["id"])).json(), {})
    rotate = f"/api/v1/issuers/{ISSUER_SLUG}/keys/rotate"
    assert (await client.post(rotate, headers=admin)).status_code == 200
    variants["after rotation"] = await _issue(client, access, "apres-rotation")

    errors = {name: schema_errors(shared, served) for name, (served, _) in variants.items()}
    for served, payload in variants.values():
        assert served["credentialStatus"]["statusPurpose"] == "revocation"
        assert served["credentialSchema"] == [
            {"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}
        ]
        if payload:  # the VC-JWT is the same credential: it validates too
            claims = {"iss", "jti", "sub", "nbf", "exp", "iat", "aud"}
            credential = {k: v for k, v in payload.items() if k not in claims}
            assert schema_errors(shared, credential) == []
    assert errors == {name: [] for name in variants}
    assert {p["verificationMethod"][-2:] for p in variants["after rotation"][0]["proof"]} == {"-2"}


async def test_the_suspension_entry_is_opt_in_and_costs_the_schema(
    settings: Settings,
    connection: AsyncConnection,
    database: ScratchDatabase,
    client: httpx.AsyncClient,
    token: Getter,
    make_client: MakeClient,
    shared: Path,
) -> None:
    admin_id, admin_secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    opted = Settings(**{**vars(settings), "database_url": database.url, "suspension_entry": True})
    app = create_app(opted, database=SharedConnectionDatabase(connection))
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as with_suspension:
        served, _ = await _issue(with_suspension, await token(), "deux-entrees")
    # Back on the default deployment: the badge issued with two entries keeps both.
    headers = {"Authorization": f"Bearer {await token(None, admin_id, admin_secret)}"}
    path = f"/api/v1/credentials/{served['id'].rsplit('/', 1)[1]}"
    suspended = await client.post(f"{path}/suspend", json={"reason": "examen"}, headers=headers)
    verified = await client.post("/api/v1/verifications", json={"credential": served})

    assert [entry["statusPurpose"] for entry in served["credentialStatus"]] == [
        "revocation",
        "suspension",
    ]
    (error,) = schema_errors(shared, served)
    assert error.startswith("['credentialStatus']")
    assert 'is not of type "object"' in error
    assert suspended.status_code == 200, suspended.text
    assert (verified.json()["verdict"], verified.json()["verdictReason"]) == ("invalid", "status")


async def test_by_default_a_credential_can_be_revoked_not_suspended(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient
) -> None:
    admin_id, admin_secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    served, _ = await _issue(client, await token(), "une-entree")
    headers = {"Authorization": f"Bearer {await token(None, admin_id, admin_secret)}"}
    path = f"/api/v1/credentials/{served['id'].rsplit('/', 1)[1]}"
    suspended = await client.post(f"{path}/suspend", json={"reason": "examen"}, headers=headers)
    revoked = await client.post(f"{path}/revoke", json={"reason": "erreur"}, headers=headers)
    verified = await client.post("/api/v1/verifications", json={"credential": served})

    assert suspended.status_code == 409, suspended.text
    assert revoked.status_code == 200, revoked.text
    assert (verified.json()["verdict"], verified.json()["verdictReason"]) == ("invalid", "status")
