"""Issued credentials against 1EdTech's OB 3.0 JSON schema, with and without suspension.

The schema allows one ``credentialStatus`` object (1EdTech openbadges-specification#623);
VC 2.0 allows a list, which is what a suspension entry beside the revocation one needs.
"""

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.domain.demo import ISSUER_SLUG
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.openbadges.test_models import schema_errors
from tests.service.conftest import PUBLIC_URL, Getter, MakeClient, asgi
from tests.service.factories import completion


async def _issue(client: httpx.AsyncClient, access: str, external_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {access}"}
    issued = await client.post("/api/v1/completions", json=completion(external_id), headers=headers)
    assert issued.status_code == 201, issued.text
    served: dict[str, Any] = (await client.get(issued.json()["credential"]["id"])).json()
    return served


async def test_with_a_suspension_entry_the_status_list_is_the_only_departure(
    client: httpx.AsyncClient, token: Getter, shared: Path
) -> None:
    served = await _issue(client, await token(), "deux-entrees")

    assert [entry["statusPurpose"] for entry in served["credentialStatus"]] == [
        "revocation",
        "suspension",
    ]
    (error,) = schema_errors(shared, served)
    assert error.startswith("['credentialStatus']")
    assert 'is not of type "object"' in error


async def test_without_it_a_credential_validates_and_can_be_revoked_not_suspended(
    settings: Settings,
    connection: AsyncConnection,
    database: ScratchDatabase,
    token: Getter,
    make_client: MakeClient,
    shared: Path,
) -> None:
    admin_id, admin_secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    strict = Settings(**{**vars(settings), "database_url": database.url, "suspension_entry": False})
    app = create_app(strict, database=SharedConnectionDatabase(connection))
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        access = await token()
        served = await _issue(client, access, "une-entree")
        headers = {"Authorization": f"Bearer {await token(None, admin_id, admin_secret)}"}
        path = f"/api/v1/credentials/{served['id'].rsplit('/', 1)[1]}"
        suspended = await client.post(
            f"{path}/suspend", json={"reason": "vérification"}, headers=headers
        )
        revoked = await client.post(f"{path}/revoke", json={"reason": "erreur"}, headers=headers)
        verified = await client.post("/api/v1/verifications", json={"credential": served})

    assert served["credentialStatus"]["statusPurpose"] == "revocation"
    assert schema_errors(shared, served) == []
    assert suspended.status_code == 409, suspended.text
    assert revoked.status_code == 200, revoked.text
    assert (verified.json()["verdict"], verified.json()["verdictReason"]) == ("invalid", "status")
