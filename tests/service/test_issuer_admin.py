"""Issuers administered over HTTP: create, read, update, list, and the Profile they publish."""

import asyncio
import json
from dataclasses import replace
from typing import Any

import httpx
import jsonschema_rs
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.app import create_app
from service.db.tables import AuditEventRecord, IssuerKeyRecord, IssuerRecord
from service.domain.demo import EXPLORER, ISSUER_SLUG
from service.runtime import Runtime
from service.settings import Settings
from tests.conftest import SHARED
from tests.databases import ScratchDatabase
from tests.service.conftest import PUBLIC_URL, Getter, MakeClient, asgi, database_for, services
from tests.service.factories import completion
from tests.threads import worker_threads

SCHEMA = SHARED / "ob-examples" / "ob_v3p0_achievementcredential_schema.json"
LD_JSON = {"Accept": "application/ld+json"}
Headers = dict[str, str]


def issuer(slug: str = "reseau-estrie", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": slug,
        "name": "Réseau Estrie",
        "url": "https://reseau-estrie.exemple.qc.ca",
        "email": "badges@reseau-estrie.exemple.qc.ca",
        "description": "Développement professionnel en Estrie.",
    }  # logos given as URLs are fetched: test_issuer_logos.py
    body.update(changes)
    return body


@pytest.fixture
async def admin(token: Getter, make_client: MakeClient) -> Headers:
    client_id, secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    return {"Authorization": f"Bearer {await token(None, client_id, secret)}"}


@pytest.fixture
async def other_admin(token: Getter, make_client: MakeClient) -> Headers:
    client_id, secret = await make_client(scopes={"admin"}, issuers={"autre"})
    return {"Authorization": f"Bearer {await token(None, client_id, secret)}"}


async def _create(client: httpx.AsyncClient, headers: Headers, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/issuers", json=issuer(**body), headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _profile_problems(document: dict[str, Any]) -> list[str]:
    """Where `document` breaks the 1EdTech JSON schema's Profile (with its parentOrg)."""
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema_rs.validator_for(
        {"$schema": schema["$schema"], "$ref": "#/$defs/Profile", "$defs": schema["$defs"]}
    )
    return [error.message for error in validator.iter_errors(document)]


async def test_an_admin_creates_an_issuer_with_keys_and_then_administers_it(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    created = await _create(client, admin)

    assert created == {
        "slug": "reseau-estrie",
        "id": "did:web:localhost%3A8000:issuers:reseau-estrie",
        "name": "Réseau Estrie",
        "url": "https://reseau-estrie.exemple.qc.ca",
        "email": "badges@reseau-estrie.exemple.qc.ca",
        "description": "Développement professionnel en Estrie.",
        "image": None,
        "parentOrganisation": None,
    }
    shown = await client.get("/api/v1/issuers/reseau-estrie", headers=admin)
    listed = await client.get("/api/v1/issuers", headers=admin)
    did = (await client.get("/issuers/reseau-estrie/did.json")).json()
    assert shown.status_code == 200, shown.text
    assert shown.json() == created
    assert [i["slug"] for i in listed.json()] == [ISSUER_SLUG, "reseau-estrie"]
    assert did["id"] == created["id"]
    assert sorted(m["type"] for m in did["verificationMethod"]) == ["JsonWebKey", "Multikey"]
    assert {m["id"].split("#")[1] for m in did["verificationMethod"]} == {
        "key-ed25519-1",
        "key-rsa-1",
    }


async def test_an_issuer_s_keys_are_made_in_a_worker_thread(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    """An RSA key takes 20 to 100 ms or more to make (a random prime search): not in the event
    loop, where every other request of the process would wait."""
    async with worker_threads() as ran:
        await _create(client, admin)

    assert sorted(ran) == ["generate_key_pair", "generate_key_pair"]


async def test_the_public_profile_reflects_an_update_and_names_its_parent(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    await _create(client, admin, parentOrganisation=ISSUER_SLUG)
    before = await client.get("/issuers/reseau-estrie", headers=LD_JSON)
    changed = await client.patch(
        "/api/v1/issuers/reseau-estrie",
        json={"name": "Réseau de l'Estrie", "description": None, "email": "info@estrie.qc.ca"},
        headers=admin,
    )
    after = await client.get("/issuers/reseau-estrie", headers=LD_JSON)

    assert changed.status_code == 200, changed.text
    assert changed.json()["description"] is None
    assert changed.json()["url"] == issuer()["url"]  # what was not sent stays
    assert changed.json()["parentOrganisation"] == ISSUER_SLUG
    assert after.headers["content-type"].startswith("application/ld+json")
    profile = after.json()
    assert before.json()["name"] == "Réseau Estrie"
    assert profile["name"] == "Réseau de l'Estrie"
    assert profile["email"] == "info@estrie.qc.ca"
    assert "description" not in profile
    assert profile["parentOrg"] == {
        "id": "did:web:localhost%3A8000:issuers:reseau-demo",
        "type": ["Profile"],
        "name": "Réseau de développement professionnel pédagonumérique (démo)",
        "url": "https://insigne.example/reseau-demo",
    }
    assert _profile_problems(profile) == []


async def test_clearing_the_parent_takes_parent_org_out_of_the_profile(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    await _create(client, admin, parentOrganisation=ISSUER_SLUG)
    cleared = await client.patch(
        "/api/v1/issuers/reseau-estrie", json={"parentOrganisation": None}, headers=admin
    )
    profile = (await client.get("/issuers/reseau-estrie", headers=LD_JSON)).json()

    assert cleared.json()["parentOrganisation"] is None
    assert "parentOrg" not in profile


async def test_badges_issued_before_an_update_keep_their_bytes_and_new_ones_carry_it(
    client: httpx.AsyncClient, token: Getter, admin: Headers
) -> None:
    platform = {"Authorization": f"Bearer {await token()}"}
    before = await client.post("/api/v1/completions", json=completion("avant"), headers=platform)
    served = await client.get(before.json()["url"] + ".json")
    await client.patch(
        f"/api/v1/issuers/{ISSUER_SLUG}", json={"name": "Réseau renommé"}, headers=admin
    )
    after = await client.post("/api/v1/completions", json=completion("après"), headers=platform)

    assert (await client.get(before.json()["url"] + ".json")).content == served.content
    assert served.json()["issuer"]["name"] != "Réseau renommé"
    assert after.json()["credential"]["issuer"]["name"] == "Réseau renommé"
    for issued in (before, after):
        report = await client.post("/api/v1/verifications", json={"url": issued.json()["url"]})
        assert report.json()["verified"] is True, report.text


async def test_a_new_issuers_badge_is_issued_and_verifies(
    client: httpx.AsyncClient,
    token: Getter,
    make_client: MakeClient,
    session: AsyncSession,
    runtime: Runtime,
) -> None:
    owner_id, owner_secret = await make_client(
        scopes={"admin", "completions:write"}, issuers={ISSUER_SLUG}
    )
    owner = {"Authorization": f"Bearer {await token(None, owner_id, owner_secret)}"}
    created = await _create(client, owner)
    profile = await services(session, runtime).issuers.find("reseau-estrie")
    assert profile is not None
    badge = replace(EXPLORER, slug="estrie-1", track="Parcours Estrie", name="Estrie 1")
    await services(session, runtime).achievements.create(profile.id, badge)
    await session.commit()
    platform = await client.post(
        "/api/v1/clients",
        json={
            "name": "Moodle Estrie",
            "scopes": ["completions:write"],
            "issuers": ["reseau-estrie"],
        },
        headers=owner,
    )
    secret = platform.json()
    bearer = await token(None, secret["clientId"], secret["clientSecret"])

    issued = await client.post(
        "/api/v1/completions",
        json=completion("estrie", achievement="estrie-1"),
        headers={"Authorization": f"Bearer {bearer}"},
    )

    assert issued.status_code == 201, issued.text
    assert issued.json()["credential"]["issuer"]["id"] == created["id"]
    report = await client.post("/api/v1/verifications", json={"url": issued.json()["url"]})
    assert report.json()["verified"] is True, report.text


async def test_a_taken_slug_is_a_conflict(client: httpx.AsyncClient, admin: Headers) -> None:
    await _create(client, admin)
    again = await client.post("/api/v1/issuers", json=issuer(), headers=admin)
    demo = await client.post("/api/v1/issuers", json=issuer(ISSUER_SLUG), headers=admin)

    for response in (again, demo):
        assert response.status_code == 409, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/conflict")


async def test_concurrent_creations_of_one_slug_make_one_issuer(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    app_settings, pooled = database_for(settings, fresh_database)
    runtime = Runtime.build(app_settings, database=pooled)
    async with runtime.write(is_operator=True) as unit:
        new = await unit.clients.create(
            name="Admin", scopes={"admin"}, issuer_slugs=set(), actor="test"
        )
    async with httpx.AsyncClient(
        transport=asgi(create_app(app_settings, database=pooled)), base_url=PUBLIC_URL
    ) as http:
        grant = {"grant_type": "client_credentials"}
        issued = await http.post(
            "/oauth/token", data=grant, auth=(new.client_id, new.client_secret)
        )
        headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        responses = await asyncio.gather(
            *(http.post("/api/v1/issuers", json=issuer(), headers=headers) for _ in range(8))
        )

    assert sorted(r.status_code for r in responses) == [201] + [409] * 7, [
        r.text for r in responses
    ]
    async with runtime.read() as unit:
        assert [i.slug for i in await unit.issuers.profiles()] == ["reseau-estrie"]
    async with pooled.read() as session:
        keys = (await session.scalars(select(IssuerKeyRecord.name))).all()
        assert sorted(keys) == ["key-ed25519-1", "key-rsa-1"]
        assert await session.scalar(select(IssuerRecord.slug)) == "reseau-estrie"
    await runtime.close()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "ftp://reseau.exemple.qc.ca"}, "url"),
        ({"url": "pas une adresse"}, "url"),
        ({"url": "https://exemple.qc.ca/a b"}, "url"),
        ({"email": "pas-un-courriel"}, "email"),
        ({"image": "http://reseau.exemple.qc.ca/logo.png"}, "image"),
        ({"image": "javascript:alert(1)"}, "image"),
        ({"slug": "Avec Espaces"}, "slug"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"colour": "bleu"}, "colour"),
        ({"parentOrganisation": "inconnu"}, "parentOrganisation"),
    ],
)
async def test_bad_input_is_refused_field_by_field(
    client: httpx.AsyncClient, admin: Headers, change: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/issuers", json=issuer(**change), headers=admin)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]
    missing = await client.get("/api/v1/issuers/reseau-estrie", headers=admin)
    assert missing.status_code == 404  # nothing half-written


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"email": "@"}, "email"),
        ({"image": "http://x.qc.ca/a.png"}, "image"),
        ({"slug": "nouveau"}, "slug"),  # a slug is the issuer's id: it never changes
    ],
)
async def test_a_bad_update_changes_nothing(
    client: httpx.AsyncClient, admin: Headers, change: dict[str, Any], field: str
) -> None:
    await _create(client, admin)
    response = await client.patch(
        "/api/v1/issuers/reseau-estrie", json={"url": "https://neuf.qc.ca", **change}, headers=admin
    )

    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    shown = await client.get("/api/v1/issuers/reseau-estrie", headers=admin)
    assert shown.json()["url"] == issuer()["url"]


async def test_a_parent_chain_never_loops(client: httpx.AsyncClient, admin: Headers) -> None:
    await _create(client, admin, parentOrganisation=ISSUER_SLUG)
    await _create(client, admin, slug="sherbrooke", parentOrganisation="reseau-estrie")

    looping = await client.patch(
        f"/api/v1/issuers/{ISSUER_SLUG}", json={"parentOrganisation": "sherbrooke"}, headers=admin
    )
    itself = await client.patch(
        "/api/v1/issuers/sherbrooke", json={"parentOrganisation": "sherbrooke"}, headers=admin
    )

    for response in (looping, itself):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "parentOrganisation"
        assert "ancestor" in response.json()["errors"][0]["message"]
    shown = await client.get(f"/api/v1/issuers/{ISSUER_SLUG}", headers=admin)
    assert shown.json()["parentOrganisation"] is None


async def test_another_admins_issuer_does_not_exist_for_it(
    client: httpx.AsyncClient, admin: Headers, other_admin: Headers
) -> None:
    await _create(client, admin)
    for path in ("/api/v1/issuers/reseau-estrie", f"/api/v1/issuers/{ISSUER_SLUG}"):
        read = await client.get(path, headers=other_admin)
        changed = await client.patch(path, json={"name": "Pris"}, headers=other_admin)
        assert read.status_code == 404, read.text
        assert changed.status_code == 404, changed.text
        assert read.json()["type"].endswith("/not-found")
    listed = await client.get("/api/v1/issuers", headers=other_admin)
    assert listed.json() == []
    under = await client.post(
        "/api/v1/issuers",
        json=issuer("filiale", parentOrganisation=ISSUER_SLUG),
        headers=other_admin,
    )
    assert under.status_code == 422, under.text
    unknown = await client.post(
        "/api/v1/issuers", json=issuer("filiale", parentOrganisation="nulle-part"), headers=admin
    )
    assert (
        under.json()["errors"][0]["message"].replace(ISSUER_SLUG, "nulle-part")
        == (unknown.json()["errors"][0]["message"])
    )  # the same words: the refusal does not tell that the issuer exists


async def test_issuer_administration_needs_the_admin_scope(
    client: httpx.AsyncClient, token: Getter
) -> None:
    platform = {"Authorization": f"Bearer {await token()}"}  # completions:write, credentials:read
    anonymous = await client.get("/api/v1/issuers")
    refused = await client.post("/api/v1/issuers", json=issuer(), headers=platform)

    assert anonymous.status_code == 401
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/forbidden")


async def test_creation_and_updates_are_audited_for_the_issuers_admins(
    client: httpx.AsyncClient, admin: Headers, session: AsyncSession
) -> None:
    await _create(client, admin)
    await client.patch("/api/v1/issuers/reseau-estrie", json={"image": None}, headers=admin)
    unchanged = await client.patch("/api/v1/issuers/reseau-estrie", json={}, headers=admin)

    assert unchanged.status_code == 200
    found = (
        await session.scalars(
            select(AuditEventRecord).where(AuditEventRecord.issuer == "reseau-estrie")
        )
    ).all()
    events = {event.action: event for event in found}
    assert sorted(e.action for e in found) == [
        "client.link-issuer",
        "issuer.create",
        "issuer.update",
    ]
    assert events["issuer.update"].detail == {"fields": ["image_url"]}
    trail = await client.get("/api/v1/audit", params={"issuer": "reseau-estrie"}, headers=admin)
    assert {e["kind"] for e in trail.json()["events"]} == {
        "issuer.create",
        "issuer.update",
        "client.link-issuer",
    }
