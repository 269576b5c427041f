"""No input path answers 500: a NUL or a lone surrogate anywhere is a 4xx before anything is
stored (GraphQL: BAD_USER_INPUT), and a batch checks every item before it issues any."""

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CredentialRecord
from service.domain.demo import ACHIEVEMENT_SLUG, ISSUER_SLUG
from tests.service.achievements.conftest import definition
from tests.service.conftest import Getter, MakeClient, bearer
from tests.service.factories import completion

BAD = {"nul": "Marie\x00Tremblay", "surrogate": "Marie\ud800Tremblay"}


def _send(body: Any) -> dict[str, Any]:
    """The body as JSON text with escapes (httpx cannot encode a lone surrogate itself)."""
    return {
        "content": json.dumps(body).encode(),
        "headers": {"Content-Type": "application/json"},
    }


def _bodies(bad: str) -> list[tuple[str, str, Any]]:
    return [
        ("POST", "/api/v1/issuers", {"slug": "neuf", "name": bad, "url": "https://n.example",
                                     "email": "a@n.example"}),
        ("PATCH", f"/api/v1/issuers/{ISSUER_SLUG}", {"name": bad}),
        ("PATCH", f"/api/v1/issuers/{ISSUER_SLUG}", {"description": bad}),
        ("POST", "/api/v1/clients", {"name": bad, "scopes": ["credentials:read"],
                                     "issuers": [ISSUER_SLUG]}),
        ("POST", "/api/v1/tracks", {"slug": "t", "issuer": ISSUER_SLUG, "name": bad}),
        ("POST", "/api/v1/webhooks", {"url": f"https://h.example/{bad}",
                                      "events": ["credential.issued"]}),
        ("POST", "/api/v1/achievements", definition(name=bad)),
        ("PATCH", f"/api/v1/achievements/{ACHIEVEMENT_SLUG}", {"criteria": bad}),
        ("POST", "/api/v1/completions", completion("x", learner={"email": "a@b.example",
                                                                 "name": bad})),
        ("POST", "/api/v1/completions/batch", {"completions": [completion("y", externalId=bad)]}),
        ("POST", "/api/v1/verifications", {"url": f"https://v.example/{bad}"}),
    ]  # fmt: skip


@pytest.mark.parametrize("kind", sorted(BAD))
async def test_every_json_body_refuses_unstorable_text_with_a_problem(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient, kind: str
) -> None:
    admin_id, admin_secret = await make_client(
        scopes={"admin", "completions:write", "credentials:read"}, issuers={ISSUER_SLUG}
    )
    headers = bearer(await token(None, admin_id, admin_secret))
    answers = {}
    for method, path, body in _bodies(BAD[kind]):
        sent = _send(body)
        response = await client.request(
            method, path, content=sent["content"], headers={**headers, **sent["headers"]}
        )
        answers[f"{method} {path}"] = (
            response.status_code,
            response.headers.get("content-type", "").split(";")[0],
        )
    wrong = {
        where: answer
        for where, answer in answers.items()
        if not (400 <= answer[0] < 500 and answer[1] == "application/problem+json")
    }
    # the batch answers 200 with the item's own problem; it is checked below
    wrong.pop("POST /api/v1/completions/batch", None)
    assert wrong == {}


@pytest.mark.parametrize("kind", sorted(BAD))
async def test_graphql_arguments_and_variables_refuse_unstorable_text(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient, kind: str
) -> None:
    reader_id, reader_secret = await make_client(scopes={"portfolio:read"})
    headers = bearer(await token(None, reader_id, reader_secret))
    bad = BAD[kind]
    escaped = json.dumps(bad)  # a GraphQL string literal reads JSON's escapes alike
    operations = [
        {"query": "query($e: String!) { learner(email: $e) { name } }", "variables": {"e": bad}},
        {"query": f"{{ learner(email: {escaped}) {{ name }} }}"},
        {"query": f"{{ achievement(slug: {escaped}) {{ name }} }}"},
        {"query": "query($t: String) { achievements(filter: {track: $t}) { totalCount } }",
         "variables": {"t": bad}},
        {"query": "mutation($u: String) { verifyCredential(input: {url: $u}) { verdict } }",
         "variables": {"u": f"https://v.example/{bad}"}},
    ]  # fmt: skip
    codes = []
    for operation in operations:
        sent = _send(operation)
        response = await client.post(
            "/graphql", content=sent["content"], headers={**headers, **sent["headers"]}
        )
        assert response.status_code < 500, response.text
        codes.append([e["extensions"]["code"] for e in response.json().get("errors", [])])

    # GraphQL's grammar has no escape for a lone surrogate: in a literal it is a syntax error
    literal = "BAD_USER_INPUT" if kind == "nul" else "GRAPHQL_VALIDATION_FAILED"
    expected = ["BAD_USER_INPUT", literal, literal, "BAD_USER_INPUT", "BAD_USER_INPUT"]
    assert codes == [[code] for code in expected]


async def test_a_batch_checks_every_item_before_issuing_any(
    client: httpx.AsyncClient, token: Getter, session: AsyncSession
) -> None:
    platform = bearer(await token())
    rows = [
        "achievement,externalId,email,name,completedAt,retenir,innovation,impact",
        f"{ACHIEVEMENT_SLUG},c1,a@b.example,Ana,2026-11-20T14:03:12-05:00,{'r' * 120},{'i' * 120},{'m' * 120}",
        f"{ACHIEVEMENT_SLUG},c2,b@b.example,Bé\x00a,2026-11-20T14:03:12-05:00,{'r' * 120},{'i' * 120},{'m' * 120}",
        f"{ACHIEVEMENT_SLUG},c3,c@b.example,Cé,2026-11-20T14:03:12-05:00,{'r' * 120},{'i' * 120},{'m' * 120}",
        f"{ACHIEVEMENT_SLUG},c4,d@b.example,{'D' * 301},2026-11-20T14:03:12-05:00,{'r' * 120},{'i' * 120},{'m' * 120}",
    ]  # fmt: skip
    before = await session.scalar(select(func.count()).select_from(CredentialRecord))

    response = await client.post(
        "/api/v1/completions/batch",
        content="\n".join(rows).encode(),
        headers={**platform, "Content-Type": "text/csv"},
    )

    assert response.status_code == 200, response.text
    statuses = [item["status"] for item in response.json()["results"]]
    assert statuses == [201, 422, 201, 422], response.json()  # a NUL, a name too long
    after = await session.scalar(select(func.count()).select_from(CredentialRecord))
    assert (after or 0) - (before or 0) == 2
