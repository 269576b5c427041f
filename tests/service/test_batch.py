"""Bulk issuance: a cohort in one request, each item idempotent as a single completion is."""

import csv
import io
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CredentialRecord
from tests.service.conftest import Getter
from tests.service.factories import ANSWERS, completion


def _cohort() -> list[dict[str, Any]]:
    good = [
        completion(f"cohorte-{n}", learner={"email": f"leader{n}@css.qc.ca", "name": f"Leader {n}"})
        for n in range(5)
    ]
    unknown = completion("inconnue", achievement="pas-un-badge")
    short = completion("courte", reflections=[{"prompt": "retenir", "answer": "Bof."}])
    return [good[0], unknown, good[1], good[2], short, good[3], good[4]]


async def _post(client: httpx.AsyncClient, token: Getter, items: list[Any]) -> httpx.Response:
    return await client.post(
        "/api/v1/completions/batch",
        json={"completions": items},
        headers={"Authorization": f"Bearer {await token()}"},
    )


async def _credentials(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(CredentialRecord)) or 0)


async def test_a_batch_issues_exactly_the_good_items_and_a_repeat_issues_nothing(
    client: httpx.AsyncClient, token: Getter, session: AsyncSession
) -> None:
    first = await _post(client, token, _cohort())
    issued = await _credentials(session)
    again = await _post(client, token, _cohort())

    assert first.status_code == 200, first.text
    statuses = [item["status"] for item in first.json()["results"]]
    assert statuses == [201, 422, 201, 201, 422, 201, 201]
    assert issued == 5
    assert [item["status"] for item in again.json()["results"]] == [
        200,
        422,
        200,
        200,
        422,
        200,
        200,
    ]
    assert await _credentials(session) == 5
    first_ids = [item.get("credential", {}).get("id") for item in first.json()["results"]]
    again_ids = [item.get("credential", {}).get("id") for item in again.json()["results"]]
    assert first_ids == again_ids
    problem = first.json()["results"][1]["problem"]
    assert problem["status"] == 422
    assert problem["errors"][0]["field"] == "achievement"


async def test_an_item_that_does_not_fit_the_schema_is_its_own_problem(
    client: httpx.AsyncClient, token: Getter
) -> None:
    response = await _post(client, token, [{"externalId": 3}, completion("bonne")])

    results = response.json()["results"]
    assert [item["status"] for item in results] == [422, 201]
    assert results[0]["problem"]["errors"][0]["field"] == "completions[0]"


async def test_a_batch_has_one_to_a_thousand_items(
    client: httpx.AsyncClient, token: Getter
) -> None:
    assert (await _post(client, token, [])).status_code == 422
    too_many = await _post(client, token, [completion(f"n{n}") for n in range(1001)])
    assert too_many.status_code == 422
    assert "1000" in too_many.text


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    fields = ["achievement", "externalId", "email", "name", "completedAt", "shareReflections"]
    writer = csv.DictWriter(out, fieldnames=[*fields, *ANSWERS])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def test_a_csv_upload_goes_through_the_same_path(
    client: httpx.AsyncClient, token: Getter
) -> None:
    row = {
        "achievement": "leadership-pedagonumerique-1-explorateur",
        "externalId": "csv-1",
        "email": "Éloïse.Côté@css.qc.ca",
        "name": "Éloïse Côté",
        "completedAt": "2026-11-20T14:03:12-05:00",
        "shareReflections": "oui",
        **ANSWERS,
    }
    body = _csv([row, {**row, "externalId": "csv-2", "completedAt": "hier"}])
    headers = {"Authorization": f"Bearer {await token()}", "Content-Type": "text/csv"}
    response = await client.post("/api/v1/completions/batch", content=body, headers=headers)
    again = await client.post("/api/v1/completions/batch", content=body, headers=headers)

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [item["status"] for item in results] == [201, 422]
    credential = results[0]["credential"]["credential"]
    assert credential["credentialSubject"]["identifier"][1]["identityHash"] == "Éloïse Côté"
    assert credential["evidence"][0]["narrative"] == ANSWERS["retenir"]
    assert results[1]["problem"]["errors"][0]["field"] == "line 3.completedAt"
    assert [item["status"] for item in again.json()["results"]] == [200, 422]


async def test_a_csv_without_the_required_columns_is_refused(
    client: httpx.AsyncClient, token: Getter
) -> None:
    response = await client.post(
        "/api/v1/completions/batch",
        content=b"externalId,email\nx,y@z.ca\n",
        headers={"Authorization": f"Bearer {await token()}", "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert "missing columns" in response.text
