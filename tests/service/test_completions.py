import base64
import copy
import hashlib
import uuid
from typing import Any

import httpx
import pytest

from openbadges.identity import matches_identity
from service.domain.demo import Demo
from tests.service.conftest import Getter, MakeClient
from tests.service.factories import ANSWERS, completion

Client = httpx.AsyncClient


async def post(client: Client, token: str, body: dict[str, Any], **headers: str) -> Any:
    return await client.post(
        "/api/v1/completions", json=body, headers={"Authorization": f"Bearer {token}", **headers}
    )


async def test_completion_issues_a_signed_credential(client: Client, token: Getter) -> None:
    response = await post(client, await token(), completion())

    assert response.status_code == 201, response.text
    body = response.json()
    credential = body["credential"]
    assert body["url"] == credential["id"] == f"http://localhost:8000/credentials/{body['id']}"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"] == "did:web:localhost%3A8000:issuers:reseau-demo"
    assert credential["awardedDate"] == "2026-11-20T19:03:12Z"
    subject = credential["credentialSubject"]
    assert subject["achievement"]["name"] == "Leadership pédagonumérique 1 – Explorateur"
    assert matches_identity(subject["identifier"][0], "marie.tremblay@exemple.qc.ca")
    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert body["jwt"].count(".") == 2


async def test_private_reflections_are_digests_not_text(client: Client, token: Getter) -> None:
    credential = (await post(client, await token(), completion())).json()["credential"]

    for entry, answer in zip(credential["evidence"], ANSWERS.values(), strict=True):
        assert "narrative" not in entry
        digest = base64.b64encode(hashlib.sha384(answer.encode()).digest()).decode()
        assert entry["digestSRI"] == f"sha384-{digest}"
    assert all(answer not in str(credential) for answer in ANSWERS.values())


async def test_shared_reflections_are_in_the_credential(client: Client, token: Getter) -> None:
    credential = (await post(client, await token(), completion(shareReflections=True))).json()[
        "credential"
    ]

    assert [entry["narrative"] for entry in credential["evidence"]] == list(ANSWERS.values())


async def test_retry_returns_the_same_credential(client: Client, token: Getter) -> None:
    access = await token()
    first = await post(client, access, completion())
    again = await post(client, access, completion())

    assert (first.status_code, again.status_code) == (201, 200)
    # The management link is in the first answer only (its token is kept hashed).
    assert "manageUrl" in first.json()
    assert again.json() == {k: v for k, v in first.json().items() if k != "manageUrl"}


async def test_same_external_id_with_another_body_is_a_conflict(
    client: Client, token: Getter
) -> None:
    access = await token()
    await post(client, access, completion())
    changed = completion(completedAt="2026-11-19T10:00:00Z")

    response = await post(client, access, changed)

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_idempotency_key_guards_retries_with_new_external_ids(
    client: Client, token: Getter
) -> None:
    access = await token()
    first = await post(client, access, completion("a"), **{"Idempotency-Key": "k-1"})
    replay = await post(client, access, completion("a"), **{"Idempotency-Key": "k-1"})
    other = await post(client, access, completion("b"), **{"Idempotency-Key": "k-1"})

    assert (first.status_code, replay.status_code, other.status_code) == (201, 200, 409)


async def test_text_is_normalised_to_nfc_before_signing(client: Client, token: Getter) -> None:
    decomposed = "E\u0301cole : " + ANSWERS["retenir"]  # É as E + combining acute
    body = completion(shareReflections=True)
    body["reflections"][0]["answer"] = decomposed

    credential = (await post(client, await token(), body)).json()["credential"]

    assert credential["evidence"][0]["narrative"].startswith("\u00c9cole")


def without(body: dict[str, Any], *path: Any) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    target = copied
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return copied


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (completion(achievement="inconnu"), "achievement"),
        (completion(learner={"email": "pas-un-courriel", "name": "Marie"}), "learner.email"),
        (completion(learner={"email": "m@exemple.qc.ca", "name": "  "}), "learner.name"),
        (
            completion(learner={"email": "m@exemple.qc.ca", "name": "M", "id": "pas une url"}),
            "learner.id",
        ),
        (completion(completedAt="2099-01-01T00:00:00Z"), "completedAt"),
        (completion(completedAt="1999-01-01T00:00:00Z"), "completedAt"),
        (completion(completedAt="2026-11-20T14:03:12"), "completedAt"),
        (
            completion(reflections=[{"prompt": "retenir", "answer": ANSWERS["retenir"]}]),
            "reflections",
        ),
        (
            completion(
                reflections=[*completion()["reflections"], {"prompt": "autre", "answer": "x" * 200}]
            ),
            "reflections[3].prompt",
        ),
        (
            completion(reflections=[*completion()["reflections"], completion()["reflections"][0]]),
            "reflections[3].prompt",
        ),
        (
            completion(
                reflections=[
                    {"prompt": "retenir", "answer": "trop court"},
                    *completion()["reflections"][1:],
                ]
            ),
            "reflections[0].answer",
        ),
        (completion(externalId="   "), "externalId"),
        (without(completion(), "learner", "email"), "learner.email"),
        (completion(shareReflections="oui"), "shareReflections"),
        ({**completion(), "extra": 1}, "extra"),
    ],
)
async def test_invalid_completion_is_422_naming_the_field(
    client: Client, token: Getter, body: dict[str, Any], field: str
) -> None:
    response = await post(client, await token(), body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert any(field in error["field"] for error in problem["errors"]), problem


async def test_nothing_is_written_when_validation_fails(client: Client, token: Getter) -> None:
    access = await token()
    bad = completion(completedAt="2099-01-01T00:00:00Z")
    assert (await post(client, access, bad)).status_code == 422

    assert (await post(client, access, completion())).status_code == 201  # same externalId is free


async def test_malformed_json_is_400(client: Client, token: Getter) -> None:
    response = await client.post(
        "/api/v1/completions",
        content=b"{not json",
        headers={"Authorization": f"Bearer {await token()}", "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_client_may_only_issue_for_its_issuers(
    client: Client, token: Getter, demo: Demo, make_client: MakeClient
) -> None:
    other_id, other_secret = await make_client(scopes={"completions:write"}, issuers=set())
    response = await post(
        client, await token(client_id=other_id, secret=other_secret), completion()
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "achievement"


async def test_rows_made_later_sort_after_earlier_ones(client: Client, token: Getter) -> None:
    """Ids are UUIDv7: each new credential lands at the right edge of its indexes."""
    access = await token()
    first = (await post(client, access, completion("order-1"))).json()["id"]
    second = (await post(client, access, completion("order-2"))).json()["id"]

    assert uuid.UUID(first).version == uuid.UUID(second).version == 7
    assert uuid.UUID(first) < uuid.UUID(second)
