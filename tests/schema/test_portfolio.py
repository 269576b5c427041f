"""A learner's portfolio over GraphQL: who sees which credentials, reflections and learners."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.domain.demo import ISSUER_SLUG, Demo
from tests.schema.conftest import Run, codes, issue, set_controls
from tests.service.conftest import Getter, MakeClient

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
ANSWERS = "query($email: String!) { learner(email: $email) { credentials { nodes { evidence { answer } } } } }"


def _learner(result: Any) -> dict[str, Any]:
    learner: dict[str, Any] = result.data["learner"]
    return learner


async def test_portfolio_shows_badges_levels_and_competencies(
    graphql: Run, client: httpx.AsyncClient, issued: dict[str, Any], linked_token: str
) -> None:
    result = await graphql(PORTFOLIO, {"email": EMAIL.upper()}, bearer=linked_token)

    learner = _learner(result)
    assert learner["name"] == "Marie Tremblay"
    (edge,) = learner["credentials"]["edges"]
    node = edge["node"]
    assert node["url"] == issued["url"]
    assert node["status"] == "ACTIVE"
    assert node["jwt"] == issued["jwt"]
    signed = await client.get(f"/credentials/{issued['id']}.json")
    assert node["document"] == signed.json()  # the signed credential, exactly
    assert node["validFrom"] is not None
    assert node["achievement"]["levelName"] == "Explorateur"
    assert node["achievement"]["issuer"]["slug"] == node["issuer"]["slug"]
    assert node["issuer"]["did"].startswith("did:web:")
    assert [e["digest"][:7] for e in node["evidence"]] == ["sha384-"] * 3
    assert learner["levels"] == [
        {
            "track": "Leadership pédagonumérique",
            "level": 1,
            "levelName": "Explorateur",
            "achievement": {"slug": node["achievement"]["slug"]},
            "credential": {"id": node["id"]},
        }
    ]
    assert {a["code"]: a["credentials"]["totalCount"] for a in learner["alignments"]} == {
        "CRCN-11": 1,
        "CRCN-5": 1,
    }


async def test_private_reflections_are_null_and_forbidden_for_a_portfolio_reader(
    graphql: Run, issued: dict[str, Any], linked_token: str
) -> None:
    result = await graphql(ANSWERS, {"email": EMAIL}, bearer=linked_token)

    assert codes(result) == ["FORBIDDEN"] * 3
    evidence = _learner(result)["credentials"]["nodes"][0]["evidence"]
    assert [item["answer"] for item in evidence] == [None] * 3


async def test_reflections_are_readable_by_the_issuers_authorised_platform(
    graphql: Run, issued: dict[str, Any], token: Getter, make_client: MakeClient, demo: Demo
) -> None:
    client_id, secret = await make_client(
        scopes={"portfolio:read", "credentials:read"}, issuers={ISSUER_SLUG}
    )
    bearer = await token("portfolio:read credentials:read", client_id, secret)

    result = await graphql(ANSWERS, {"email": EMAIL}, bearer=bearer)

    assert result.errors is None
    evidence = _learner(result)["credentials"]["nodes"][0]["evidence"]
    assert "21e siècle" in evidence[0]["answer"]


async def test_public_reflections_are_readable_by_any_portfolio_reader(
    graphql: Run, session: AsyncSession, issued: dict[str, Any], outside_token: str
) -> None:
    await set_controls(session, issued["id"], evidence_public=True)

    result = await graphql(ANSWERS, {"email": EMAIL}, bearer=outside_token)

    assert result.errors is None
    assert all(item["answer"] for item in _learner(result)["credentials"]["nodes"][0]["evidence"])


async def test_a_hidden_credential_is_left_out_for_other_platforms(
    graphql: Run,
    client: httpx.AsyncClient,
    session: AsyncSession,
    token: Getter,
    linked_token: str,
    outside_token: str,
) -> None:
    bearer = await token()
    shown = await issue(client, bearer, "moodle-shown")
    hidden = await issue(client, bearer, "moodle-hidden")
    await set_controls(session, hidden["id"], hidden=True)
    query = "query($e: String!) { learner(email: $e) { credentials { totalCount nodes { url } } } }"

    outside = await graphql(query, {"e": EMAIL}, bearer=outside_token)
    linked = await graphql(query, {"e": EMAIL}, bearer=linked_token)

    assert [n["url"] for n in _learner(outside)["credentials"]["nodes"]] == [shown["url"]]
    assert _learner(linked)["credentials"]["totalCount"] == 2


async def test_a_learner_whose_badges_are_all_hidden_does_not_exist_for_others(
    graphql: Run, session: AsyncSession, issued: dict[str, Any], outside_token: str
) -> None:
    await set_controls(session, issued["id"], hidden=True)

    result = await graphql(
        "query($e: String!) { learner(email: $e) { name } }", {"e": EMAIL}, bearer=outside_token
    )

    assert result.data == {"learner": None}
    assert codes(result) == ["NOT_FOUND"]


async def test_learners_are_not_looked_up_without_a_token(
    graphql: Run, issued: dict[str, Any]
) -> None:
    result = await graphql(
        "query($e: String!) { learner(email: $e) { name } issuers { totalCount } }", {"e": EMAIL}
    )

    assert result.data == {"learner": None, "issuers": {"totalCount": 1}}
    assert codes(result) == ["UNAUTHENTICATED"]


async def test_learners_are_not_looked_up_without_the_portfolio_scope(
    graphql: Run, issued: dict[str, Any], token: Getter
) -> None:
    result = await graphql(
        "query($e: String!) { learner(email: $e) { name } }", {"e": EMAIL}, bearer=await token()
    )

    assert result.data == {"learner": None}
    assert codes(result) == ["FORBIDDEN"]


async def test_an_unknown_learner_is_not_found(graphql: Run, linked_token: str) -> None:
    result = await graphql(
        '{ learner(email: "personne@exemple.qc.ca") { name } }', bearer=linked_token
    )

    assert result.data == {"learner": None}
    assert codes(result) == ["NOT_FOUND"]


@pytest.mark.no_sql
async def test_a_bad_token_is_refused_before_graphql(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ issuers { totalCount } }"},
        headers={"Authorization": "Bearer nope"},
    )

    assert response.status_code == 401


async def test_node_finds_each_kind_by_global_id(
    graphql: Run, issued: dict[str, Any], linked_token: str, outside_token: str
) -> None:
    ids = _learner(
        await graphql(
            "query($e: String!) { learner(email: $e) { id credentials { nodes { id "
            "achievement { id } issuer { id } } } } }",
            {"e": EMAIL},
            bearer=linked_token,
        )
    )
    credential = ids["credentials"]["nodes"][0]
    query = """query($l: ID!, $c: ID!, $a: ID!, $i: ID!) {
      l: node(id: $l) { id ... on Learner { name } }
      c: node(id: $c) { id ... on Credential { url } }
      a: node(id: $a) { id ... on Achievement { slug } }
      i: node(id: $i) { id ... on Issuer { slug } }
    }"""
    variables = {
        "l": ids["id"],
        "c": credential["id"],
        "a": credential["achievement"]["id"],
        "i": credential["issuer"]["id"],
    }

    found = await graphql(query, variables, bearer=linked_token)
    anonymous = await graphql(query, variables)

    assert found.errors is None
    assert found.data["l"]["name"] == "Marie Tremblay"  # type: ignore[index]
    assert found.data["c"]["url"] == issued["url"]  # type: ignore[index]
    assert anonymous.data == {  # the catalogue is public, portfolios are not
        "l": None,
        "c": None,
        "a": found.data["a"],  # type: ignore[index]
        "i": found.data["i"],  # type: ignore[index]
    }
    assert sorted(codes(anonymous)) == ["UNAUTHENTICATED", "UNAUTHENTICATED"]


@pytest.mark.no_sql
async def test_a_malformed_global_id_is_bad_input(graphql: Run) -> None:
    result = await graphql('{ node(id: "bm9wZQ") { id } }')

    assert codes(result) == ["BAD_USER_INPUT"]


async def test_a_document_is_answered_byte_for_byte_as_stored(
    client: httpx.AsyncClient, token: Getter, linked_token: str
) -> None:
    """Read as its UTF-8 bytes (`utf8_bytes`): quotes, backslashes and emoji pass unchanged."""
    name = 'Zoé « l\'\\"Éducatrice\\" » 🎓\u2028Côté'
    issued = await issue(
        client, await token(), "moodle-octets", learner={"email": EMAIL, "name": name}
    )
    signed = await client.get(f"/credentials/{issued['id']}.json")
    query = "query($e: String!) { learner(email: $e) { credentials { nodes { document } } } }"

    answer = await client.post(
        "/graphql",
        json={"query": query, "variables": {"e": EMAIL}},
        headers={"Authorization": f"Bearer {linked_token}"},
    )

    assert "\\\\" in signed.text  # the backslash, escaped in the JSON text
    assert "🎓".encode() in signed.content  # as UTF-8, not escaped
    assert signed.content in answer.content
    (node,) = answer.json()["data"]["learner"]["credentials"]["nodes"]
    assert node["document"] == signed.json()
    identities = node["document"]["credentialSubject"]["identifier"]
    assert name in [i["identityHash"] for i in identities]
