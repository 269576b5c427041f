"""Achievement administration over HTTP: versions, archiving, prompts, alignments, refusals."""

import copy
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import AuditEventRecord
from service.domain.demo import ISSUER_SLUG
from service.runtime import Runtime
from tests.service.achievements.conftest import (
    ANSWER,
    DEFINITION,
    HTML,
    LD,
    PROMPT_V1,
    PROMPT_V2,
    SLUG,
    achievement_schema_errors,
    answer,
    definition,
    path,
    verified,
)
from tests.service.conftest import Getter, MakeClient, services
from tests.service.factories import completion


async def test_a_created_achievement_is_completed_and_its_credential_embeds_the_definition(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    platform: dict[str, str],
    shared: Path,
) -> None:
    issued = await client.post("/api/v1/completions", json=answer("ia-1"), headers=platform)
    document = (await client.get(f"/achievements/{SLUG}", headers=LD)).json()
    listed = (await client.get(f"/api/v1/achievements/{SLUG}")).json()

    assert created["version"] == 1
    assert created["archivedAt"] is None
    assert issued.status_code == 201, issued.text
    credential = issued.json()["credential"]
    embedded = credential["credentialSubject"]["achievement"]
    assert embedded["criteria"] == {"narrative": DEFINITION["criteria"]}
    assert embedded["tag"] == DEFINITION["tags"]
    assert [(a["targetCode"], a["targetType"]) for a in embedded["alignment"]] == [
        ("CRCN-12", "ext:CRCN"),
        ("OCDE-1", "CFItem"),
    ]
    assert embedded["alignment"][0]["targetFramework"] == DEFINITION["alignments"][0]["framework"]
    assert {k: v for k, v in document.items() if k != "@context"} == embedded
    assert achievement_schema_errors(shared, embedded) == []
    assert achievement_schema_errors(shared, document) == []
    assert listed["prompts"][0]["text"] == PROMPT_V1
    assert listed["prompts"][0]["texts"] == {
        "fr": PROMPT_V1,
        "en": "What did you try in class with AI?",
    }
    assert listed["prompts"][1]["texts"] == {"fr": "Et ensuite ?", "en": None}
    assert listed["alignments"][0]["type"] == "ext:CRCN"
    assert await verified(client, issued.json()["url"])


async def test_an_update_is_a_new_version_and_older_badges_keep_theirs(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    admin: dict[str, str],
    platform: dict[str, str],
) -> None:
    old = await client.post(
        "/api/v1/completions", json=answer("ia-old", shareReflections=True), headers=platform
    )
    prompts = copy.deepcopy(DEFINITION["prompts"])
    prompts[0]["text"] = {"fr": PROMPT_V2}
    prompts[0]["minLength"] = 100
    updated = await client.patch(
        f"/api/v1/achievements/{SLUG}",
        json={"prompts": prompts, "name": "Atelier IA 1 – Premiers pas"},
        headers=admin,
    )
    short = await client.post("/api/v1/completions", json=answer("ia-short"), headers=platform)
    new = await client.post(
        "/api/v1/completions",
        json=answer("ia-new", ANSWER * 2, shareReflections=True),
        headers=platform,
    )

    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    assert updated.json()["name"] == "Atelier IA 1 – Premiers pas"
    assert updated.json()["tags"] == DEFINITION["tags"]  # not given: unchanged
    assert short.status_code == 422, short.text  # the current version's minimum applies
    assert "needs 100 to 500 characters" in short.json()["errors"][0]["message"]
    assert new.status_code == 201, new.text
    assert new.json()["credential"]["evidence"][0]["name"] == PROMPT_V2
    assert old.json()["credential"]["evidence"][0]["name"] == PROMPT_V1
    assert await verified(client, old.json()["url"])
    old_page = (await client.get(path(old.json()["url"]), headers=HTML)).text
    new_page = (await client.get(path(new.json()["url"]), headers=HTML)).text
    assert PROMPT_V1.replace("'", "&#39;") in old_page
    assert PROMPT_V2.replace("'", "&#39;") not in old_page
    assert "Atelier IA 1 – Découverte" in old_page
    assert PROMPT_V2.replace("'", "&#39;") in new_page


async def test_the_portfolio_shows_the_prompt_an_answer_was_given_under(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    admin: dict[str, str],
    platform: dict[str, str],
    session: AsyncSession,
    runtime: Runtime,
) -> None:
    old = await client.post("/api/v1/completions", json=answer("ia-p"), headers=platform)
    prompts = copy.deepcopy(DEFINITION["prompts"])
    prompts[0]["text"] = {"fr": PROMPT_V2}
    await client.patch(f"/api/v1/achievements/{SLUG}", json={"prompts": prompts}, headers=admin)

    credential_id = uuid.UUID(old.json()["id"])
    evidence = await services(session, runtime).portfolios.evidence([credential_id])

    assert [item.prompt for item in evidence[credential_id]] == [PROMPT_V1]


async def test_lengths_and_required_prompts_are_enforced_on_completions(
    client: httpx.AsyncClient, created: dict[str, Any], platform: dict[str, str]
) -> None:
    too_short = await client.post(
        "/api/v1/completions", json=answer("a", "court"), headers=platform
    )
    too_long = await client.post(
        "/api/v1/completions", json=answer("b", "x" * 501), headers=platform
    )
    missing = await client.post(
        "/api/v1/completions",
        json=completion("c", achievement=SLUG, reflections=[{"prompt": "suite", "answer": "oui"}]),
        headers=platform,
    )
    exact = await client.post("/api/v1/completions", json=answer("d", "é" * 500), headers=platform)

    assert too_short.status_code == 422
    assert too_short.json()["errors"][0]["message"] == "needs 20 to 500 characters, has 5"
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["message"] == "needs 20 to 500 characters, has 501"
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "reflections", "message": "prompt 'essai' must be answered"}
    ]
    assert exact.status_code == 201, exact.text


async def test_an_archived_achievement_refuses_completions_but_its_badges_still_verify(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    admin: dict[str, str],
    platform: dict[str, str],
) -> None:
    old = await client.post("/api/v1/completions", json=answer("before"), headers=platform)
    archived = await client.post(f"/api/v1/achievements/{SLUG}/archive", headers=admin)
    again = await client.post(f"/api/v1/achievements/{SLUG}/archive", headers=admin)
    refused = await client.post("/api/v1/completions", json=answer("after"), headers=platform)
    retry = await client.post("/api/v1/completions", json=answer("before"), headers=platform)
    frozen = await client.patch(
        f"/api/v1/achievements/{SLUG}", json={"name": "Autre"}, headers=admin
    )

    assert archived.status_code == 200, archived.text
    assert archived.json()["archivedAt"] is not None
    assert again.json()["archivedAt"] == archived.json()["archivedAt"]
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "https://insigne.example/problems/achievement-archived"
    assert retry.status_code == 200  # a retry of an earlier completion still gets its badge
    french = await client.post(
        "/api/v1/completions",
        json=answer("after-fr"),
        headers={**platform, "Accept-Language": "fr-CA"},
    )
    assert french.json()["detail"] == (
        f"le badge '{SLUG}' est archivé : il ne reçoit plus de complétion"
    )
    assert frozen.status_code == 409
    assert frozen.json()["type"].endswith("/achievement-archived")
    assert (await client.get(f"/achievements/{SLUG}", headers=LD)).status_code == 200
    listed = (await client.get(f"/api/v1/achievements/{SLUG}")).json()
    assert listed["archivedAt"] == archived.json()["archivedAt"]
    assert await verified(client, old.json()["url"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (definition(colour="bleu"), "colour"),
        (definition(prompts=[{"key": "a", "text": {"fr": "?"}, "hint": "x"}]), "prompts[0].hint"),
        (definition(prompts=[{"key": "a", "text": {"fr": "?", "de": "?"}}]), "prompts[0].text.de"),
    ],
)
async def test_unknown_fields_are_refused(
    client: httpx.AsyncClient, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/achievements", json=body, headers=admin)

    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": field, "message": "is not a known field"}]


async def test_an_unknown_field_in_a_patch_is_refused(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    response = await client.patch(
        f"/api/v1/achievements/{SLUG}", json={"slug": "autre"}, headers=admin
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "slug"


@pytest.mark.parametrize(
    ("prompts", "field"),
    [
        ([{"key": "a", "text": {"fr": "?"}, "minLength": 10, "maxLength": 5}], "prompts[0]"),
        ([{"key": "a", "text": {"fr": "?"}, "maxLength": 20_001}], "prompts[0].maxLength"),
        ([{"key": "a", "text": {"fr": "?"}, "minLength": -1}], "prompts[0].minLength"),
        ([{"key": "A b", "text": {"fr": "?"}}], "prompts[0].key"),
        ([{"key": "a", "text": {"fr": "?"}}, {"key": "a", "text": {"fr": "!"}}], "prompts[1].key"),
        ([{"key": "a", "text": {"fr": "   "}}], "prompts[0].text.fr"),
        ([{"key": "a", "text": {"en": "only English"}}], "prompts[0].text.fr"),
    ],
)
async def test_invalid_prompts_are_refused_by_field(
    client: httpx.AsyncClient, admin: dict[str, str], prompts: list[Any], field: str
) -> None:
    response = await client.post(
        "/api/v1/achievements", json=definition(prompts=prompts), headers=admin
    )

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_an_alignment_type_outside_ob_3_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    alignments = copy.deepcopy(DEFINITION["alignments"])
    alignments[0]["type"] = "Competence"
    alignments[1]["url"] = "pas une URL"
    response = await client.post(
        "/api/v1/achievements", json=definition(alignments=alignments), headers=admin
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "alignments[0].type",
        "alignments[1].url",
    ]


async def test_a_taken_slug_or_level_is_a_conflict(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    same_slug = await client.post("/api/v1/achievements", json=definition(level=2), headers=admin)
    same_level = await client.post(
        "/api/v1/achievements", json=definition(slug="atelier-ia-bis"), headers=admin
    )
    second = await client.post(
        "/api/v1/achievements", json=definition(slug="atelier-ia-2", level=2), headers=admin
    )
    moved = await client.patch(
        "/api/v1/achievements/atelier-ia-2", json={"level": 1}, headers=admin
    )

    assert same_slug.status_code == 409
    assert same_level.status_code == 409
    assert "level 1 of 'Atelier IA'" in same_level.json()["detail"]
    assert second.status_code == 201
    assert moved.status_code == 409


async def test_another_issuers_admin_sees_nothing(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    token: Getter,
    make_client: MakeClient,
    session: AsyncSession,
    runtime: Runtime,
) -> None:
    await services(session, runtime).issuers.create(
        slug="autre-reseau",
        name="Autre",
        url="https://autre.example",
        email="a@autre.example",
        actor="test",
    )
    await session.commit()
    client_id, secret = await make_client(scopes={"admin"}, issuers={"autre-reseau"})
    other = {"Authorization": f"Bearer {await token(None, client_id, secret)}"}

    patched = await client.patch(f"/api/v1/achievements/{SLUG}", json={"name": "x"}, headers=other)
    archived = await client.post(f"/api/v1/achievements/{SLUG}/archive", headers=other)
    image = await client.put(
        f"/api/v1/achievements/{SLUG}/image",
        content=b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        headers={**other, "Content-Type": "image/svg+xml"},
    )
    foreign = await client.post(
        "/api/v1/achievements", json=definition(slug="pirate"), headers=other
    )

    assert [r.status_code for r in (patched, archived, image)] == [404, 404, 404]
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "issuer"


async def test_a_client_without_admin_is_refused(
    client: httpx.AsyncClient, platform: dict[str, str]
) -> None:
    response = await client.post("/api/v1/achievements", json=DEFINITION, headers=platform)
    anonymous = await client.post(f"/api/v1/achievements/{SLUG}/archive")

    assert response.status_code == 403
    assert anonymous.status_code == 401


async def test_every_change_is_audited(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    admin: dict[str, str],
    session: AsyncSession,
) -> None:
    await client.patch(f"/api/v1/achievements/{SLUG}", json={"tags": ["ia"]}, headers=admin)
    await client.post(f"/api/v1/achievements/{SLUG}/archive", headers=admin)

    rows = (
        await session.execute(
            select(AuditEventRecord.action, AuditEventRecord.detail, AuditEventRecord.issuer)
            .where(AuditEventRecord.subject == SLUG)
            .order_by(AuditEventRecord.at)
        )
    ).all()
    count = await session.scalar(
        select(func.count()).where(AuditEventRecord.action.like("achievement.%"))
    )

    assert [(r[0], r[1]["version"], r[2]) for r in rows] == [
        ("achievement.create", 1, ISSUER_SLUG),
        ("achievement.update", 2, ISSUER_SLUG),
        ("achievement.archive", 2, ISSUER_SLUG),
    ]
    assert count == 3


async def test_an_empty_patch_makes_no_new_version(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    response = await client.patch(f"/api/v1/achievements/{SLUG}", json={}, headers=admin)

    assert response.status_code == 200
    assert response.json()["version"] == 1
