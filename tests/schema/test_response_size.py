"""The GraphQL cost bound holds for every query shape, and a hard cap on the answer's size
holds even where the estimate would misjudge.

The figures the issue asks for (a learner with 100 badges aligned to 50 competencies) are
printed by `test_the_largest_accepted_answer_for_100_badges_and_50_competencies` (run with -s).
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import replace

import httpx
from graphql import parse
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schema import build_schema
from schema.limits import estimate_cost
from service.db.tables import LearnerRecord
from service.domain.catalogue.achievements import Alignment, Prompt
from service.domain.catalogue.definitions import (
    MAX_ALIGNMENTS,
    MAX_PROMPTS,
    MAX_TAGS,
    alignment_problems,
    prompt_problems,
    tag_problems,
)
from service.domain.demo import EXPLORER, ISSUER_SLUG, Demo
from service.runtime import Runtime
from service.settings import GraphQLSettings
from tests.schema.conftest import codes, issue, run_graphql
from tests.schema.factories import copy_credentials
from tests.service.conftest import PUBLIC_URL, Getter, asgi, services

MakeApp = Callable[..., Litestar]
SCHEMA = build_schema(GraphQLSettings())._schema


def _cost(query: str, variables: dict[str, object] | None = None) -> int:
    return estimate_cost(SCHEMA, parse(query), None, variables or {}, default_page=20, max_page=100)


def test_a_variables_declared_default_is_the_page_execution_uses() -> None:
    query = "query($n: Int = 100) { issuers(first: $n) { nodes { id name } } }"

    # issuers 1, nodes 100, id 100, name 100: the default, not the server's page of 20
    assert _cost(query) == 301
    assert _cost(query, {"n": 5}) == 16
    assert _cost(query, {"n": None}) == 61  # null: the server's default page


def test_plain_lists_count_by_their_bound_or_the_largest_page() -> None:
    covered = (
        '{ learner(email: "a@b.c") { alignments { credentials(first: 100) { nodes { jwt } } } } }'
    )
    evidence = "{ achievements(first: 4) { nodes { alignments { code } } } }"

    # learner 1, alignments 1, credentials 100 (a list cut at the largest page), nodes and jwt
    # 100 x 100 each
    assert _cost(covered) == 1 + 1 + 100 + 2 * 100 * 100
    # achievements 1, nodes 4, alignments 4, code 4 x 50 (an achievement's most alignments)
    assert _cost(evidence) == 1 + 4 + 4 + 4 * 50


async def test_an_answer_over_its_size_cap_is_one_error_and_no_data(
    make_app: MakeApp, demo: Demo
) -> None:
    small = make_app(max_response_bytes=1_000)
    roomy = make_app()
    query = "{ achievements(first: 20) { nodes { name description criteria } } }"
    aliased = (
        "{ "
        + " ".join(
            f"a{n}: achievements(first: 20) {{ nodes {{ description criteria }} }}"
            for n in range(4)
        )
        + " }"
    )

    refused = await run_graphql(small, aliased)
    within = await run_graphql(roomy, query)

    assert refused.data is None
    assert codes(refused) == ["RESPONSE_TOO_LARGE"]
    assert refused.errors[0]["extensions"]["maxBytes"] == 1_000  # type: ignore[index]
    assert within.errors is None
    assert within.data["achievements"]["nodes"]  # type: ignore[index]


def test_an_achievement_has_at_most_the_prompts_alignments_and_tags_the_estimate_counts() -> None:
    """The bounds hold for every writer (the CLI too), not only the REST schema."""
    prompt = Prompt(key="q", text="Question ?", min_length=0, max_length=100, is_required=True)
    alignment = Alignment(framework="CRCN", code="C", name="n", url="https://exemple.qc.ca/c")

    too_many = (
        prompt_problems([replace(prompt, key=f"q{n}") for n in range(MAX_PROMPTS + 1)])
        + alignment_problems([alignment] * (MAX_ALIGNMENTS + 1))
        + tag_problems(["t"] * (MAX_TAGS + 1))
    )
    enough = (
        prompt_problems([replace(prompt, key=f"q{n}") for n in range(MAX_PROMPTS)])
        + alignment_problems([alignment] * MAX_ALIGNMENTS)
        + tag_problems(["t"] * MAX_TAGS)
    )

    assert [problem.field for problem in too_many] == ["prompts", "alignments", "tags"]
    assert enough == []


async def _competencies(session: AsyncSession, runtime: Runtime) -> list[uuid.UUID]:
    """Ten achievements, each aligned to the same 50 competencies (the worst case)."""
    unit = services(session, runtime)
    issuer = await unit.issuers.find(ISSUER_SLUG)
    assert issuer is not None
    made = []
    for n in range(10):
        alignments = tuple(
            Alignment(
                framework="Cadre de référence de la compétence numérique",
                code=f"CRCN-{k}",
                name=f"Dimension {k} : agir en citoyen éthique à l'ère du numérique",
                url=f"https://www.quebec.ca/education/numerique/cadre/{k}",
                type="ext:CRCN",
            )
            for k in range(50)
        )
        created = await unit.achievements.create(
            issuer.id,
            replace(EXPLORER, slug=f"atelier-{n}", track=f"Atelier {n}", alignments=alignments),
        )
        made.append(created.id)
    await session.commit()
    return made


# The shapes that build the most per accepted cost: signed forms, many times over (aliases,
# every competency's credentials), at the largest page each.
HEAVY = {
    "aliased pages of signed forms": "query($e: String!) { learner(email: $e) { "
    + " ".join(f"c{n}: credentials(first: 100) {{ nodes {{ document jwt }} }}" for n in range(15))
    + " } }",
    "every competency's credentials": """query($e: String!) { learner(email: $e) {
      alignments { credentials(first: 30) { nodes { document jwt } } } } }""",
    "a full page with evidence": """query($e: String!) { learner(email: $e) {
      credentials(first: 100) { nodes { document jwt evidence { prompt digest }
      achievement { name description criteria } } } } }""",
}


async def test_the_largest_accepted_answer_for_100_badges_and_50_competencies(
    client: httpx.AsyncClient,
    token: Getter,
    linked_token: str,
    session: AsyncSession,
    runtime: Runtime,
    make_app: MakeApp,
) -> None:
    email = "cent.badges@exemple.qc.ca"
    first = await issue(
        client, await token(), "cent-1", learner={"email": email, "name": "Élise Gagnon"}
    )
    learner_id = await session.scalar(select(LearnerRecord.id).where(LearnerRecord.email == email))
    achievements = await _competencies(session, runtime)
    await copy_credentials(
        session, uuid.UUID(first["id"]), 99, learner_id=learner_id, achievement_ids=achievements
    )
    capped = make_app()
    uncapped = make_app(max_response_bytes=10**12)
    cap = GraphQLSettings().max_response_bytes
    figures: dict[str, tuple[int, int, str]] = {}
    for name, query in HEAVY.items():
        body = {"query": query, "variables": {"e": email}}
        headers = {"Authorization": f"Bearer {linked_token}"}
        sizes = []
        for app in (uncapped, capped):
            async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as http:
                response = await http.post("/graphql", json=body, headers=headers, timeout=120)
            sizes.append(len(response.content))
            answer = json.loads(response.content)
        figures[name] = (
            sizes[0],
            sizes[1],
            ",".join(e["extensions"]["code"] for e in answer.get("errors", [])),
        )

    for name, (without, with_cap, errors) in figures.items():
        print(f"{name}: {without:,} bytes without the cap; {with_cap:,} with it {errors}")  # noqa: T201
    assert all(with_cap <= cap for _, with_cap, _ in figures.values())
    assert all(errors in {"", "RESPONSE_TOO_LARGE"} for _, _, errors in figures.values())
    assert all(
        without <= cap or errors == "RESPONSE_TOO_LARGE" for without, _, errors in figures.values()
    )
