"""Filters, the catalogue, organisation statistics and verification over GraphQL."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.domain.demo import ACHIEVEMENT_SLUG, ISSUER_SLUG, Demo
from service.runtime import Runtime
from tests.schema.conftest import Run, codes, issue
from tests.service.conftest import Getter, MakeClient, revoke

EMAIL = "marie.tremblay@exemple.qc.ca"
FILTERED = """query($e: String!, $f: CredentialFilterInput, $after: String) {
  learner(email: $e) { credentials(first: 1, after: $after, filter: $f) {
    totalCount pageInfo { hasNextPage endCursor } nodes { url status } } } }"""


async def _issue_three(client: httpx.AsyncClient, token: Getter) -> list[dict[str, Any]]:
    bearer = await token()
    return [await issue(client, bearer, f"moodle-filtre-{n}") for n in range(3)]


async def test_credentials_page_through_and_filter(
    graphql: Run,
    client: httpx.AsyncClient,
    token: Getter,
    linked_token: str,
    session: AsyncSession,
    runtime: Runtime,
) -> None:
    issued = await _issue_three(client, token)
    await revoke(session, runtime, uuid.UUID(issued[0]["id"]))
    await session.commit()

    seen: list[str] = []
    after = None
    while True:
        page = (await graphql(FILTERED, {"e": EMAIL, "after": after}, bearer=linked_token)).data
        credentials = page["learner"]["credentials"]  # type: ignore[index]
        seen += [n["url"] for n in credentials["nodes"]]
        if not credentials["pageInfo"]["hasNextPage"]:
            break
        after = credentials["pageInfo"]["endCursor"]
    revoked = await graphql(FILTERED, {"e": EMAIL, "f": {"status": "REVOKED"}}, bearer=linked_token)
    future = await graphql(
        FILTERED, {"e": EMAIL, "f": {"awardedAfter": "2999-01-01T00:00:00Z"}}, bearer=linked_token
    )

    assert sorted(seen) == sorted(c["url"] for c in issued)
    assert revoked.data["learner"]["credentials"]["nodes"] == [  # type: ignore[index]
        {"url": issued[0]["url"], "status": "REVOKED"}
    ]
    assert future.data["learner"]["credentials"]["totalCount"] == 0  # type: ignore[index]


async def test_filter_by_issuer_achievement_and_track(
    graphql: Run, client: httpx.AsyncClient, token: Getter, linked_token: str
) -> None:
    await _issue_three(client, token)
    ids = await graphql(
        f'{{ achievement(slug: "{ACHIEVEMENT_SLUG}") {{ id track issuer {{ id }} }} }}'
    )
    achievement = ids.data["achievement"]  # type: ignore[index]
    wanted = {
        "issuer": achievement["issuer"]["id"],
        "achievement": achievement["id"],
        "track": achievement["track"],
    }

    matched = await graphql(FILTERED, {"e": EMAIL, "f": wanted}, bearer=linked_token)
    other_track = await graphql(
        FILTERED, {"e": EMAIL, "f": {"track": "Autre"}}, bearer=linked_token
    )

    assert matched.data["learner"]["credentials"]["totalCount"] == 3  # type: ignore[index]
    assert other_track.data["learner"]["credentials"]["totalCount"] == 0  # type: ignore[index]


async def test_the_catalogue_is_public(graphql: Run, demo: Demo) -> None:
    result = await graphql(
        """{ issuers { nodes { id slug did } }
             achievements(filter: {track: "Leadership pédagonumérique"}) {
               nodes { slug url level levelName alignments { framework code } } } }"""
    )

    assert result.errors is None
    (issuer,) = result.data["issuers"]["nodes"]  # type: ignore[index]
    assert issuer["did"] == demo.issuer
    (achievement,) = result.data["achievements"]["nodes"]  # type: ignore[index]
    assert achievement["url"].endswith(f"/achievements/{ACHIEVEMENT_SLUG}")
    one = await graphql("query($i: ID!) { issuer(id: $i) { slug } }", {"i": issuer["id"]})
    assert one.data == {"issuer": {"slug": ISSUER_SLUG}}
    missing = await graphql('{ achievement(slug: "inconnu") { id } }')
    assert codes(missing) == ["NOT_FOUND"]


STATS = """query($i: ID!) { organisationStats(issuer: $i, from: "2026-01-01T00:00:00Z",
  to: "2028-01-01T00:00:00Z") { from to issuer { slug }
  totals { track level levelName earners achievement { slug } }
  months { month counts { level earners } } } }"""


async def test_organisation_stats_count_earners_per_level_and_month(
    graphql: Run, client: httpx.AsyncClient, token: Getter, linked_token: str, outside_token: str
) -> None:
    bearer = await token()
    await issue(client, bearer, "moodle-stats-1")
    await issue(client, bearer, "moodle-stats-2")  # the same earner again
    await issue(
        client,
        bearer,
        "moodle-stats-3",
        learner={"email": "luc.gagnon@exemple.qc.ca", "name": "Luc Gagnon"},
    )
    issuer_id = (await graphql("{ issuers { nodes { id } } }")).data["issuers"]["nodes"][0]["id"]  # type: ignore[index]

    linked = await graphql(STATS, {"i": issuer_id}, bearer=linked_token)
    outside = await graphql(STATS, {"i": issuer_id}, bearer=outside_token)
    anonymous = await graphql(STATS, {"i": issuer_id})

    assert linked.errors is None, linked.errors
    stats = linked.data["organisationStats"]  # type: ignore[index]
    assert stats["totals"] == [
        {
            "track": "Leadership pédagonumérique",
            "level": 1,
            "levelName": "Explorateur",
            "earners": 2,
            "achievement": {"slug": ACHIEVEMENT_SLUG},
        }
    ]
    assert [m["counts"][0]["earners"] for m in stats["months"]] == [2]
    assert stats["months"][0]["month"][:2] == "20"
    assert codes(outside) == ["NOT_FOUND"]
    assert codes(anonymous) == ["NOT_FOUND"]


async def test_organisation_stats_refuse_a_reversed_range(
    graphql: Run, demo: Demo, linked_token: str
) -> None:
    issuer_id = (await graphql("{ issuers { nodes { id } } }")).data["issuers"]["nodes"][0]["id"]  # type: ignore[index]
    result = await graphql(
        'query($i: ID!) { organisationStats(issuer: $i, from: "2027-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z") { from } }',
        {"i": issuer_id},
        bearer=linked_token,
    )

    assert codes(result) == ["BAD_USER_INPUT"]


VERIFY = """mutation($input: VerifyCredentialInput!) { verifyCredential(input: $input) {
  verified verdict verdictReason headline format summary checks { code status message } } }"""


async def test_verify_credential_gives_the_rest_report(
    graphql: Run, client: httpx.AsyncClient, token: Getter, make_client: MakeClient
) -> None:
    issued = await issue(client, await token(), "moodle-verif")

    by_jwt = await graphql(VERIFY, {"input": {"jwt": issued["jwt"]}})
    by_document = await graphql(
        VERIFY,
        {"input": {"credential": issued["credential"], "recipientEmail": EMAIL}},
        headers={"Accept-Language": "fr"},
    )
    rest = await client.post("/api/v1/verifications", json={"jwt": issued["jwt"]})

    report = by_jwt.data["verifyCredential"]  # type: ignore[index]
    assert report["verified"] is True
    assert report["verdict"] == "VALID"
    expected = rest.json()
    assert report["headline"] == expected["headline"]
    assert report["summary"] == expected["summary"]
    assert [c["code"] for c in report["checks"]] == [c["code"] for c in expected["checks"]]
    assert by_document.data["verifyCredential"]["verified"] is True  # type: ignore[index]


@pytest.mark.no_sql
async def test_verify_credential_needs_exactly_one_form(graphql: Run) -> None:
    result = await graphql(VERIFY, {"input": {"jwt": "a.b.c", "url": "https://exemple.qc.ca/b"}})

    assert codes(result) == ["BAD_USER_INPUT"]
