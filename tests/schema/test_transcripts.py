"""``learner { transcript(period:) }``: the signed record, as REST serves it, by the policy."""

from typing import Any

import httpx

from tests.schema.conftest import Run, codes, issue
from tests.service.conftest import Getter

QUERY = """
query ($email: String!, $period: String) {
  learner(email: $email) {
    transcript(period: $period) {
      url period periodStart periodEnd credentialCount totalHours obligationHours document jwt
    }
  }
}
"""
EMAIL = "marie.tremblay@exemple.qc.ca"


async def test_a_portfolio_reader_gets_the_signed_transcript_of_a_period(
    client: httpx.AsyncClient, token: Getter, graphql: Run, linked_token: str
) -> None:
    access = await token()
    first = await issue(client, access, "gql-t-1", hours=2.5)
    await issue(client, access, "gql-t-2", completedAt="2024-05-01T09:00:00-04:00")

    current = await graphql(QUERY, {"email": EMAIL}, bearer=linked_token)
    earlier = await graphql(QUERY, {"email": EMAIL, "period": "2023-2025"}, bearer=linked_token)
    none = await graphql(QUERY, {"email": EMAIL, "period": "2019-2021"}, bearer=linked_token)
    wrong = await graphql(QUERY, {"email": EMAIL, "period": "demain"}, bearer=linked_token)

    assert current.errors is None, current.errors
    transcript: dict[str, Any] = current.data["learner"]["transcript"]  # type: ignore[index]
    assert transcript["period"] == "2025-2027"
    assert (transcript["periodStart"], transcript["periodEnd"]) == ("2025-07-01", "2027-06-30")
    assert (transcript["credentialCount"], transcript["totalHours"]) == (1, 2.5)
    assert transcript["obligationHours"] == 30
    held = transcript["document"]["credentialSubject"]["verifiableCredential"]
    assert [c["id"] for c in held] == [first["url"]]
    served = await client.get(transcript["url"])
    assert served.json() == transcript["document"]
    assert transcript["jwt"].count(".") == 2
    assert earlier.data["learner"]["transcript"]["totalHours"] == 3  # type: ignore[index]
    assert none.data["learner"]["transcript"] is None  # type: ignore[index]
    assert codes(wrong) == ["BAD_USER_INPUT"]
