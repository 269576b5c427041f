"""xAPI intake through the app: Moodle's own batches in, one badge out per learner."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import XapiStatementRecord
from service.domain.catalogue.achievements import NewAchievement, Prompt
from service.domain.demo import ACHIEVEMENT_SLUG, Demo
from service.runtime import Runtime
from tests.service.conftest import Getter, MakeClient, services
from tests.service.factories import ANSWERS
from tests.service.xapi_fixtures import (
    COURSE,
    ITEM,
    SITE,
    answer,
    badges,
    basic,
    completed,
    credential_of,
    fixture,
    fixture_bytes,
    post_statements,
    with_mbox,
)

Client = httpx.AsyncClient
FEEDBACK = "http://www.example.org/mod/feedback/edit_item.php?id="
ITEMS = {key: f"{FEEDBACK}{n}" for n, key in enumerate(ANSWERS, start=11)}
EXPLORER_COURSE = "http://www.example.org/course/view.php?id=7"


@pytest.fixture
async def reflection_badge(session: AsyncSession, runtime: Runtime, demo: Demo) -> str:
    """A badge whose one prompt Moodle's textarea fixture can answer (its text is 21 long)."""
    unit = services(session, runtime)
    issuer = await unit.issuers.find("reseau-demo")
    assert issuer is not None
    await unit.achievements.create(
        issuer.id,
        NewAchievement(
            slug="atelier-feedback",
            track="Atelier",
            level=1,
            level_name="Participant",
            name="Atelier de rétroaction",
            description="Une réflexion écrite après l'atelier.",
            criteria="Répondre à la question de rétroaction.",
            in_language="fr-CA",
            prompts=(Prompt("retour", "Qu'en retenez-vous ?", 10, 2000, True),),
        ),
    )
    await session.commit()
    return "atelier-feedback"


@pytest.fixture
def auth(demo: Demo) -> dict[str, str]:
    return basic(demo.client_id, demo.client_secret)


async def _map(client: Client, token: Getter, body: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/api/v1/xapi-mappings", json=body, headers={"Authorization": f"Bearer {await token()}"}
    )


@pytest.fixture
async def moodle_mapping(client: Client, token: Getter, reflection_badge: str) -> dict[str, Any]:
    response = await _map(
        client,
        token,
        {"achievement": reflection_badge, "completedActivity": COURSE, "answers": {"retour": ITEM}},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def explorer_mapping(client: Client, token: Getter, demo: Demo) -> dict[str, Any]:
    response = await _map(
        client,
        token,
        {
            "achievement": ACHIEVEMENT_SLUG,
            "completedActivity": EXPLORER_COURSE,
            "answers": ITEMS,
            "shareReflections": True,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _pending(client: Client, token: Getter) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/xapi-pending", headers={"Authorization": f"Bearer {await token()}"}
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def _held(session: AsyncSession) -> list[XapiStatementRecord]:
    return list(await session.scalars(select(XapiStatementRecord)))


@pytest.mark.usefixtures("moodle_mapping")
async def test_account_actor_waits_for_its_email_then_gets_one_badge(
    client: Client, token: Getter, auth: dict[str, str], session: AsyncSession
) -> None:
    """Moodle's fixtures, byte for byte: mbox off, so the actor is an account."""
    done = await post_statements(
        client, auth, fixture_bytes("core.course_completed.completing_existing_course")
    )
    answers = await post_statements(
        client, auth, fixture_bytes("mod_feedback.response_submitted.textarea")
    )

    assert done.status_code == answers.status_code == 200, done.text
    assert done.headers["x-experience-api-version"] == "1.0.3"
    assert len(done.json()) == 1
    assert len(answers.json()) == 2
    assert all(uuid.UUID(i) for i in [*done.json(), *answers.json()])
    [waiting] = await _pending(client, token)
    assert waiting["statements"] == 2
    assert any("e-mail of this account" in reason for reason in waiting["waitingFor"])
    assert await badges(session, "learner1@exemple.qc.ca") == 0

    told = await client.post(
        "/api/v1/xapi-accounts",
        json=[{"homePage": SITE, "name": "1", "email": "Learner1@Exemple.qc.ca"}],
        headers={"Authorization": f"Bearer {await token()}"},
    )

    assert told.status_code == 204, told.text
    assert await badges(session, "learner1@exemple.qc.ca") == 1
    assert await _pending(client, token) == []
    held = await _held(session)
    assert {row.status for row in held} == {"assembled"}
    assert all(row.response is None and row.actor is None for row in held)  # purged


@pytest.mark.usefixtures("moodle_mapping")
@pytest.mark.parametrize("answers_first", [False, True])
async def test_mbox_actor_gets_its_badge_with_the_last_statement(
    client: Client, auth: dict[str, str], session: AsyncSession, answers_first: bool
) -> None:
    email = "marie.tremblay@exemple.qc.ca"
    batches = [
        with_mbox(fixture("core.course_completed.completing_existing_course"), email),
        with_mbox(fixture("mod_feedback.response_submitted.textarea"), email),
    ]
    first, last = reversed(batches) if answers_first else batches

    assert (await post_statements(client, auth, first)).status_code == 200
    assert await badges(session, email) == 0
    assert (await post_statements(client, auth, last)).status_code == 200
    assert await badges(session, email) == 1


@pytest.mark.usefixtures("moodle_mapping")
async def test_unmapped_statements_are_accepted_and_not_kept(
    client: Client, auth: dict[str, str], session: AsyncSession
) -> None:
    noise = [
        *fixture("mod_feedback.course_module_viewed.viewing_feedback"),
        *fixture("mod_feedback.response_submitted.multichoice")[:1],  # its submit
        *fixture("mod_feedback.response_submitted.textarea_anon")[:1],
    ]
    elsewhere = with_mbox(fixture("core.course_completed.completing_existing_course"), "a@b.ca")
    elsewhere[0]["object"]["id"] = "http://www.example.org/course/view.php?id=99"

    response = await post_statements(client, auth, [*noise, *elsewhere])

    assert response.status_code == 200
    assert len(response.json()) == 4
    assert await _held(session) == []


async def test_statement_ids_make_posts_idempotent(
    client: Client, auth: dict[str, str], session: AsyncSession, moodle_mapping: dict[str, Any]
) -> None:
    del moodle_mapping
    statement = completed("ids@exemple.qc.ca") | {"id": str(uuid.uuid4())}

    first = await post_statements(client, auth, [statement])
    again = await post_statements(client, auth, statement)  # one statement, not an array
    put = await client.put(
        "/xapi/statements",
        params={"statementId": statement["id"]},
        json=statement,
        headers={**auth, "X-Experience-API-Version": "1.0.3"},
    )
    changed = await post_statements(client, auth, statement | {"timestamp": "2026-11-20T10:00Z"})

    assert first.json() == again.json() == [statement["id"]]
    assert put.status_code == 204
    assert changed.status_code == 409
    assert len(await _held(session)) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 400),
        ({"X-Experience-API-Version": "0.95"}, 400),
        ({"X-Experience-API-Version": "1.0.0"}, 200),
        ({"X-Experience-API-Version": "2.0.0"}, 200),
    ],
)
async def test_the_version_header_is_required(
    client: Client, auth: dict[str, str], headers: dict[str, str], status: int
) -> None:
    response = await client.post(
        "/xapi/statements", json=completed("v@exemple.qc.ca"), headers={**auth, **headers}
    )

    assert response.status_code == status, response.text
    if status == 200:
        expected = "2.0.0" if headers["X-Experience-API-Version"].startswith("2") else "1.0.3"
        assert response.headers["x-experience-api-version"] == expected


async def test_credentials_are_checked(
    client: Client, demo: Demo, token: Getter, make_client: MakeClient
) -> None:
    body = completed("auth@exemple.qc.ca")
    reader_id, reader_secret = await make_client(scopes={"credentials:read"})

    async def send(headers: dict[str, str]) -> int:
        response = await client.post(
            "/xapi/statements", json=body, headers={**headers, "X-Experience-API-Version": "1.0.3"}
        )
        return response.status_code

    assert await send({}) == 401
    assert await send(basic(demo.client_id, "not-the-secret")) == 401
    assert await send({"Authorization": "Basic !!!"}) == 401
    assert await send(basic(reader_id, reader_secret)) == 403
    assert await send({"Authorization": f"Bearer {await token()}"}) == 200


@pytest.mark.usefixtures("moodle_mapping")
async def test_an_invalid_statement_rejects_the_whole_batch(
    client: Client, auth: dict[str, str], session: AsyncSession
) -> None:
    good = completed("batch@exemple.qc.ca")
    bad = {key: value for key, value in good.items() if key != "verb"}

    response = await post_statements(client, auth, [good, bad])

    assert response.status_code == 400
    assert "[1].verb" in response.json()["detail"]
    assert await _held(session) == []


@pytest.mark.usefixtures("explorer_mapping")
async def test_voiding_withdraws_a_pending_answer(
    client: Client, auth: dict[str, str], token: Getter, session: AsyncSession
) -> None:
    email = "void@exemple.qc.ca"
    answers = [
        answer(ITEMS[key], text, email) | {"id": str(uuid.uuid4())} for key, text in ANSWERS.items()
    ]
    await post_statements(client, auth, answers)
    voiding = {
        "actor": answers[0]["actor"],
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en": "voided"}},
        "object": {"objectType": "StatementRef", "id": answers[0]["id"]},
    }

    assert (await post_statements(client, auth, [voiding])).status_code == 200
    assert (
        await post_statements(client, auth, [completed(email, EXPLORER_COURSE)])
    ).status_code == 200

    assert await badges(session, email) == 0
    [waiting] = await _pending(client, token)
    assert waiting["waitingFor"] == [f"an answer to the prompt 'retenir' ({ITEMS['retenir']})"]
    await post_statements(client, auth, [answer(ITEMS["retenir"], ANSWERS["retenir"], email)])
    assert await badges(session, email) == 1


@pytest.mark.usefixtures("explorer_mapping")
async def test_shared_answers_are_in_the_badge_and_a_refusal_is_shown(
    client: Client, auth: dict[str, str], token: Getter, session: AsyncSession
) -> None:
    short = "short@exemple.qc.ca"
    statements = [answer(ITEMS[key], "trop court", short) for key in ANSWERS]

    response = await post_statements(client, auth, [*statements, completed(short, EXPLORER_COURSE)])

    assert response.status_code == 200  # xAPI: the statements are stored all the same
    [refused] = await _pending(client, token)
    assert refused["waitingFor"] == []
    assert "needs 100 to 20000 characters" in refused["refused"]
    assert await badges(session, short) == 0

    email = "shared@exemple.qc.ca"
    statements = [answer(ITEMS[key], text, email) for key, text in ANSWERS.items()]
    await post_statements(client, auth, [completed(email, EXPLORER_COURSE), *statements])

    credential = await credential_of(session, email)
    assert [e["narrative"] for e in credential["evidence"]] == list(ANSWERS.values())
    assert credential["credentialSubject"]["achievement"]["name"].startswith("Leadership")


async def test_mappings_are_checked_listed_and_deleted(
    client: Client, token: Getter, demo: Demo, moodle_mapping: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {await token()}"}
    incomplete = await _map(
        client,
        token,
        {"achievement": ACHIEVEMENT_SLUG, "completedActivity": "x", "answers": {"nope": ITEM}},
    )
    again = await _map(
        client,
        token,
        {
            "achievement": "atelier-feedback",
            "completedActivity": COURSE,
            "answers": {"retour": ITEM},
        },
    )
    listed = await client.get("/api/v1/xapi-mappings", headers=headers)

    assert incomplete.status_code == 422
    fields = {error["field"] for error in incomplete.json()["errors"]}
    assert fields == {"completedActivity", "answers.nope", "answers"}
    assert again.status_code == 409
    assert [m["id"] for m in listed.json()] == [moodle_mapping["id"]]
    gone = await client.delete(f"/api/v1/xapi-mappings/{moodle_mapping['id']}", headers=headers)
    assert gone.status_code == 204
    assert (await client.get("/api/v1/xapi-mappings", headers=headers)).json() == []


async def test_a_mapping_needs_an_issuer_the_client_may_issue_for(
    client: Client, demo: Demo, make_client: MakeClient
) -> None:
    other_id, other_secret = await make_client(scopes={"completions:write"})
    token = (
        await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(other_id, other_secret),
        )
    ).json()["access_token"]

    response = await client.post(
        "/api/v1/xapi-mappings",
        json={"achievement": ACHIEVEMENT_SLUG, "completedActivity": COURSE, "answers": ITEMS},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "achievement"


async def test_one_platforms_statements_never_reach_another(
    client: Client,
    demo: Demo,
    make_client: MakeClient,
    session: AsyncSession,
    explorer_mapping: dict[str, Any],
) -> None:
    """The same statement id from another client is its own statement, and maps nothing."""
    del explorer_mapping
    other_id, other_secret = await make_client(
        scopes={"completions:write"}, issuers={"reseau-demo"}
    )
    email = "tenant@exemple.qc.ca"
    statement = completed(email, EXPLORER_COURSE) | {"id": str(uuid.uuid4())}

    foreign = await post_statements(client, basic(other_id, other_secret), [statement])
    own = await post_statements(client, basic(demo.client_id, demo.client_secret), [statement])

    assert foreign.status_code == own.status_code == 200
    count = await session.scalar(select(func.count(XapiStatementRecord.id)))
    assert count == 1  # the other client maps nothing: not kept


async def test_guessing_a_secret_through_xapi_meets_the_token_endpoints_failure_tiers(
    client: Client, demo: Demo
) -> None:
    wrong = basic(demo.client_id, "guess")
    statuses = [(await post_statements(client, wrong, [])).status_code for _ in range(6)]

    assert statuses == [401] * 5 + [429]
    token = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(demo.client_id, "guess")
    )
    assert token.status_code == 429  # one count: the client is guarded wherever its secret is
