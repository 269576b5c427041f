"""Continuing-education hours: stated by an achievement's version, reported by a completion,
carried by the badge as OB 3.0 credits with their unit named (docs/hours.md)."""

from pathlib import Path
from typing import Any

import httpx

from service.domain.credentials.credentials import HOURS_RESULT_TYPE
from tests.interop.dbstack import DbStack
from tests.openbadges.test_models import schema_errors
from tests.service.achievements.conftest import SLUG, answer, definition
from tests.service.test_independent_verifiers import _documents, _static_documents


async def _issue(
    client: httpx.AsyncClient, platform: dict[str, str], external_id: str, **changes: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/completions", json=answer(external_id, **changes), headers=platform
    )


async def test_a_badge_carries_the_hours_done_and_available_with_their_unit(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    platform: dict[str, str],
    shared: Path,
    dbstack: DbStack,
) -> None:
    created = await client.post("/api/v1/achievements", json=definition(hours=6), headers=admin)
    issued = await _issue(client, platform, "heures-1", hours=4.5)
    full = await _issue(client, platform, "heures-2")

    assert created.status_code == 201, created.text
    assert created.json()["hours"] == 6
    assert issued.status_code == 201, issued.text
    credential = issued.json()["credential"]
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    assert achievement["creditsAvailable"] == 6
    (described,) = achievement["resultDescription"]
    assert described["resultType"] == HOURS_RESULT_TYPE
    assert "heure" in described["name"]
    assert "hour" in described["name"]
    assert described["valueMax"] == "6"
    assert subject["creditsEarned"] == 4.5
    assert subject["result"] == [
        {"type": ["Result"], "resultDescription": described["id"], "value": "4.5"}
    ]
    assert schema_errors(shared, credential) == []
    # Without a report, the badge states the achievement's hours.
    assert full.json()["credential"]["credentialSubject"]["creditsEarned"] == 6
    documents = await _documents(client, credential, _static_documents(shared, credential))
    assert dbstack.verify(credential, documents) == (True, [])


async def test_hours_over_the_achievements_or_not_in_quarter_hours_are_refused(
    client: httpx.AsyncClient, admin: dict[str, str], platform: dict[str, str]
) -> None:
    await client.post("/api/v1/achievements", json=definition(hours=3), headers=admin)

    over = await _issue(client, platform, "trop", hours=3.5)
    odd = await _issue(client, platform, "bizarre", hours=0.3)
    negative = await _issue(client, platform, "negatif", hours=-1)
    bad_definition = await client.post(
        "/api/v1/achievements", json=definition(slug="autre", level=2, hours=0.1), headers=admin
    )

    assert over.status_code == 422, over.text
    assert over.headers["content-type"].startswith("application/problem+json")
    assert "3" in over.text
    assert "hours" in over.text
    assert odd.status_code == 422, odd.text
    assert negative.status_code in {400, 422}, negative.text
    assert bad_definition.status_code == 422, bad_definition.text


async def test_each_version_keeps_its_hours(
    client: httpx.AsyncClient, admin: dict[str, str], platform: dict[str, str], shared: Path
) -> None:
    await client.post("/api/v1/achievements", json=definition(hours=3), headers=admin)
    first = (await _issue(client, platform, "v1")).json()
    patched = await client.patch(f"/api/v1/achievements/{SLUG}", json={"hours": 8}, headers=admin)
    second = (await _issue(client, platform, "v2", hours=7.75)).json()
    page = await client.get(first["url"], headers={"Accept": "text/html"})

    assert patched.status_code == 200, patched.text
    assert (patched.json()["version"], patched.json()["hours"]) == (2, 8)
    assert first["credential"]["credentialSubject"]["achievement"]["creditsAvailable"] == 3
    assert second["credential"]["credentialSubject"]["achievement"]["creditsAvailable"] == 8
    assert second["credential"]["credentialSubject"]["creditsEarned"] == 7.75
    assert page.status_code == 200
    assert "3 h" in page.text


async def test_hours_reported_for_an_achievement_stating_none_still_name_their_unit(
    client: httpx.AsyncClient, admin: dict[str, str], platform: dict[str, str], shared: Path
) -> None:
    await client.post("/api/v1/achievements", json=definition(), headers=admin)

    issued = await _issue(client, platform, "sans-heures", hours=2)
    plain = await _issue(client, platform, "rien")

    credential = issued.json()["credential"]
    achievement = credential["credentialSubject"]["achievement"]
    assert "creditsAvailable" not in achievement
    assert "valueMax" not in achievement["resultDescription"][0]
    assert credential["credentialSubject"]["creditsEarned"] == 2
    assert schema_errors(shared, credential) == []
    unstated = plain.json()["credential"]["credentialSubject"]
    assert "creditsEarned" not in unstated
    assert "result" not in unstated
