"""awardedAt is the award (the learner's completion), not the signing: filters and statistics too.

A batch of last year's completions imported today must land in last year's months.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from service.domain.demo import Demo
from tests.schema.conftest import Run, issue
from tests.service.conftest import Getter

EMAIL = "marie.tremblay@exemple.qc.ca"
LAST_YEAR = ["2025-03-14T10:00:00-04:00", "2025-06-30T23:30:00-04:00"]  # June 30 local: July UTC
CREDENTIALS = """query($e: String!, $f: CredentialFilterInput) {
  learner(email: $e) { credentials(filter: $f) { nodes { url awardedAt issuedAt document } } } }"""
STATS = """query($i: ID!, $from: DateTime!, $to: DateTime!) {
  organisationStats(issuer: $i, from: $from, to: $to) {
    totals { earners } months { month counts { earners } } } }"""


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _import_last_year(client: httpx.AsyncClient, token: Getter) -> list[dict[str, Any]]:
    bearer = await token()
    return [
        await issue(client, bearer, f"moodle-import-{n}", completedAt=when)
        for n, when in enumerate(LAST_YEAR)
    ]


async def test_awarded_at_is_the_award_date_and_issued_at_the_signing(
    graphql: Run, client: httpx.AsyncClient, token: Getter, linked_token: str
) -> None:
    issued = await _import_last_year(client, token)
    result = await graphql(CREDENTIALS, {"e": EMAIL}, bearer=linked_token)

    assert result.errors is None, result.errors
    nodes = result.data["learner"]["credentials"]["nodes"]  # type: ignore[index]
    assert [n["url"] for n in nodes] == [issued[1]["url"], issued[0]["url"]]  # newest award first
    for node, when in zip(nodes, reversed(LAST_YEAR), strict=True):
        assert _at(node["awardedAt"]) == _at(when)
        assert _at(node["awardedAt"]) == _at(node["document"]["awardedDate"])
        assert _at(node["issuedAt"]) == _at(node["document"]["validFrom"])
        assert datetime.now(UTC) - _at(node["issuedAt"]) < timedelta(minutes=10)


async def test_the_filters_use_the_award_date(
    graphql: Run, client: httpx.AsyncClient, token: Getter, linked_token: str
) -> None:
    issued = await _import_last_year(client, token)

    async def urls(**bounds: str) -> list[str]:
        result = await graphql(CREDENTIALS, {"e": EMAIL, "f": bounds}, bearer=linked_token)
        assert result.errors is None, result.errors
        return [n["url"] for n in result.data["learner"]["credentials"]["nodes"]]  # type: ignore[index]

    assert await urls(awardedBefore="2026-01-01T00:00:00Z") == [
        issued[1]["url"],
        issued[0]["url"],
    ]
    assert await urls(awardedAfter="2026-01-01T00:00:00Z") == []
    assert await urls(
        awardedAfter="2025-04-01T00:00:00Z", awardedBefore="2026-01-01T00:00:00Z"
    ) == [issued[1]["url"]]


async def test_organisation_stats_count_in_the_months_of_the_awards(
    graphql: Run, client: httpx.AsyncClient, token: Getter, linked_token: str, demo: Demo
) -> None:
    await _import_last_year(client, token)
    issuer_id = (await graphql("{ issuers { nodes { id } } }")).data["issuers"]["nodes"][0]["id"]  # type: ignore[index]

    last_year = await graphql(
        STATS,
        {"i": issuer_id, "from": "2025-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        bearer=linked_token,
    )
    this_year = await graphql(
        STATS,
        {"i": issuer_id, "from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"},
        bearer=linked_token,
    )

    assert last_year.errors is None, last_year.errors
    report = last_year.data["organisationStats"]  # type: ignore[index]
    assert report["totals"] == [{"earners": 1}]
    assert report["months"] == [
        {"month": "2025-03", "counts": [{"earners": 1}]},
        {"month": "2025-07", "counts": [{"earners": 1}]},
    ]
    assert this_year.data["organisationStats"]["months"] == []  # type: ignore[index]
