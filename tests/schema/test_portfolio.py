"""A learner's portfolio over GraphQL: credentials, levels, competencies, evidence."""

import json
from typing import Any

from tests.schema.conftest import Run, codes

PORTFOLIO = """
query Portfolio($email: String!) {
  learner(email: $email) {
    id
    name
    credentials(first: 10) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id url awardedAt validFrom validUntil status jwt document
          achievement { slug level levelName track issuer { slug name } }
          issuer { slug did }
          evidence { prompt answer digest }
        }
      }
    }
    levels { track level levelName achievement { slug } credential { id } }
    alignments { framework code name credentials { totalCount nodes { id } } }
  }
}
"""
EMAIL = "marie.tremblay@exemple.qc.ca"


async def test_portfolio_of_a_learner_for_a_linked_platform(
    graphql: Run, issued: dict[str, Any], linked_token: str
) -> None:
    result = await graphql(PORTFOLIO, {"email": EMAIL}, bearer=linked_token)

    assert result.errors is None or codes(result) == ["FORBIDDEN"] * 3, result.errors
    learner = result.data["learner"]  # type: ignore[index]
    assert learner["name"] == "Marie Tremblay"
    (edge,) = learner["credentials"]["edges"]
    node = edge["node"]
    assert (
        node["url"] == issued["url"]
        if "url" in issued
        else node["url"].endswith(issued["id"].rsplit("/", 1)[-1])
    )
    assert node["status"] == "ACTIVE"
    assert node["achievement"]["levelName"] == "Explorateur"
    assert node["issuer"]["did"].startswith("did:web:")
    assert len(node["evidence"]) == 3
    assert learner["levels"][0]["level"] == 1
    assert {a["code"] for a in learner["alignments"]} == {"CRCN-11", "CRCN-5"}
    print(json.dumps(result.data)[:300])
