"""The executor's fast path answers exactly as graphql-core's normal path, and spends the same.

Each shape runs twice on the portfolio's own types (`schema.types`) over objects built here:
through the executor with its fast path and through the same executor with every field on
graphql-core's normal path. The JSON answers (data and errors, with their paths, locations and
codes) must be the same bytes, and so must the response budget each one spent. A real
portfolio, read through the schema as the app builds it, must be the same on both paths too.
"""

import asyncio
import datetime
import uuid
from collections.abc import Callable
from inspect import isawaitable
from typing import Any, cast

import httpx
import msgspec
import pytest
import strawberry
from graphql import parse, validate
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import SchemaExtension

from schema import build_schema
from schema.connections import Connection, paginate
from schema.context import Context, Loaders, Reader
from schema.errors import coded
from schema.executor import PortfolioExecutor, executor_class
from schema.types import (
    Achievement,
    Alignment,
    Credential,
    CredentialStatus,
    Evidence,
    Issuer,
)
from service.domain.demo import ISSUER_SLUG
from service.domain.portfolios.portfolios import EvidenceItem
from service.runtime import Runtime
from tests.schema.conftest import issue
from tests.service.conftest import Getter, MakeClient


@strawberry.type
class Root:
    page: Connection[Credential] | None
    other: Credential | None = None


SCHEMA = strawberry.Schema(query=Root, types=[Credential, Achievement, Issuer])
NOW = datetime.datetime(2026, 12, 7, 1, 2, 3, tzinfo=datetime.UTC)
ISSUER = Issuer(
    id=strawberry.ID("SXNzdWVyOjE"),
    slug="reseau-demo",
    did="did:web:localhost%3A8000:issuers:reseau-demo",
    name="Réseau de développement professionnel",
    url="https://insigne.example/reseau-demo",
    email="badges@insigne.example",
    image_url=None,
    description="Émetteur de démonstration",
)


def _achievement(**changes: Any) -> Achievement:
    fields: dict[str, Any] = {
        "id": strawberry.ID("QWNoaWV2ZW1lbnQ6MQ"),
        "slug": "leadership-pedagonumerique-1-explorateur",
        "url": "http://localhost:8000/achievements/leadership-pedagonumerique-1-explorateur",
        "name": "Leadership pédagonumérique 1 – Explorateur",
        "description": "Reconnaît une personne qui a exploré le leadership.",
        "criteria": "Compléter la formation.",
        "track": "Leadership pédagonumérique",
        "level": 1,
        "level_name": "Explorateur",
        "image_url": None,
        "tags": ["leadership", "numérique"],
        "alignments": [
            Alignment(framework="CRCN", code=f"CRCN-{k}", name=f"Dimension {k}", url="u")
            for k in (5, 11)
        ],
        "issuer": ISSUER,
        "hours": 1.5,
    }
    return Achievement(**{**fields, **changes})


def _evidence(answer: str | None, **changes: Any) -> Evidence:
    item = EvidenceItem(
        id=uuid.uuid4(),
        credential_id=uuid.uuid4(),
        prompt="retenir",
        answer=answer,
        digest="sha384-" + "A" * 64,
    )
    evidence = Evidence.of(item)
    for name, value in changes.items():
        setattr(evidence, name, value)
    return evidence


def _credential(n: int, **changes: Any) -> Credential:
    fields: dict[str, Any] = {
        "id": strawberry.ID(f"Q3JlZGVudGlhbDo{n}"),
        "url": f"http://localhost:8000/credentials/{n}",
        "awarded_at": NOW,
        "issued_at": NOW,
        "status": CredentialStatus.ACTIVE,
        "valid_from": NOW,
        "valid_until": None,
        "achievement": _achievement(),
        "issuer": ISSUER,
        "evidence": [_evidence("Réflexion « retenir » : " * 5), _evidence(None)],
        "document": msgspec.Raw(b'{"validFrom":"2026-12-07T01:02:03Z","name":"\xc3\x89"}'),
        "jwt": "eyJhbGciOiJSUzI1NiJ9." + "x" * 100,
    }
    return Credential(**{**fields, **changes})


def _ready(value: object) -> "asyncio.Future[object]":
    """An awaitable value (a done future: one left unawaited is no error)."""
    future = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


# Roots made anew for each run, each but the first with one thing broken.
ROOTS: dict[str, Callable[[], Root]] = {
    "clean": lambda: Root(
        page=paginate([_credential(n) for n in range(3)], 3, None), other=_credential(9)
    ),
    "null in a non-null leaf": lambda: Root(page=paginate([_credential(0, url=None)], 1, None)),
    "null item in a non-null list": lambda: Root(
        page=paginate([_credential(0, evidence=[None])], 1, None),
        other=_credential(1, evidence=[_evidence("a"), None]),
    ),
    "null in a nested non-null leaf": lambda: Root(
        page=None, other=_credential(1, evidence=[_evidence("a", prompt=None)])
    ),
    "an enum that does not coerce": lambda: Root(
        page=paginate([_credential(0, status="bogus")], 1, None)
    ),
    "an object of another type": lambda: Root(
        page=None, other=_credential(1, achievement=ISSUER, issuer=_achievement())
    ),
    "an error as an object's value": lambda: Root(
        page=None, other=_credential(1, issuer=coded("no issuer", "NOT_FOUND"))
    ),
    "an error as a non-null leaf's value": lambda: Root(
        page=paginate([_credential(0, url=coded("no link", "NOT_FOUND"))], 1, None),
        other=_credential(1, evidence=[_evidence("a", prompt=coded("no prompt", "NOT_FOUND"))]),
    ),
    "a null item in a list of leaves": lambda: Root(
        page=None, other=_credential(1, achievement=_achievement(tags=["a", None]))
    ),
    "awaitable values": lambda: Root(
        page=None,
        other=_credential(
            1,
            issuer=_ready(ISSUER),
            jwt=_ready("eyJ"),
            achievement=_achievement(
                alignments=[_ready(Alignment(framework="F", code="C", name="N", url="U"))]
            ),
        ),
    ),
    "every reflection readable": lambda: Root(
        page=paginate(
            [_credential(n, evidence=[_evidence("é" * n), _evidence("a")]) for n in range(3)],
            3,
            None,
        ),
        other=_credential(9, evidence=[]),
    ),
    "a number among the texts": lambda: Root(
        page=None, other=_credential(1, evidence=[_evidence("a"), _evidence("b", digest=7)])
    ),
    "a document as a dict": lambda: Root(
        page=None, other=_credential(1, document={"a": ["é", 1, None]}, valid_from=None)
    ),
}

FULL = """query($e: Boolean = true) { page { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor } nodes { ...full } } other { ...full } }
fragment full on Credential {
  id url status awardedAt issuedAt validFrom validUntil jwt document
  achievement { slug track level levelName tags hours alignments { code name } issuer { name } }
  issuer { slug did }
  evidence @include(if: $e) { prompt answer digest } }"""
SHAPES: dict[str, tuple[str, dict[str, Any]]] = {
    "the full selection": (FULL, {}),
    "evidence skipped by a variable": (FULL, {"e": False}),
    "aliases": (
        """{ a: page { n: nodes { i: id u: url e: evidence { x: answer y: answer } } }
        b: page { totalCount } c: other { i: id } d: other { jwt } }""",
        {},
    ),
    "fragments and __typename": (
        """{ __typename page { __typename nodes { __typename ... on Credential { id }
        ...more achievement { __typename ... on Node { id } } } } other { ...more } }
        fragment more on Credential { jwt issuer { __typename name } evidence { ...ev } }
        fragment ev on Evidence { __typename prompt answer }""",
        {},
    ),
    "@skip and @include": (
        """query($s: Boolean!, $i: Boolean!) { page { nodes {
        id @skip(if: $s) url @include(if: $i) jwt @skip(if: true) status @include(if: false)
        issuer @include(if: $i) { name } evidence @skip(if: $s) { answer } } } }""",
        {"s": True, "i": True},
    ),
    "@skip and @include, the other way": (
        """query($s: Boolean!, $i: Boolean!) { page { nodes {
        id @skip(if: $s) url @include(if: $i) issuer @include(if: $i) { name }
        evidence @skip(if: $s) { answer } } } }""",
        {"s": False, "i": False},
    ),
}


async def _execute(
    query: str, variables: dict[str, Any], root: Root, *, fast: bool, most: int = 10**9
) -> tuple[bytes, int]:
    """The answer as JSON bytes, and the budget spent."""
    document = parse(query)
    assert validate(SCHEMA._schema, document) == []
    executor = executor_class(most, has_fast_path=fast).build(
        SCHEMA._schema,
        document,
        root_value=root,
        raw_variable_values=variables,
        is_awaitable=cast("Any", optimized_is_awaitable),
    )
    assert isinstance(executor, PortfolioExecutor)
    result: Any = executor.execute_operation()
    if isawaitable(result):
        result = await result
    errors = [error.formatted for error in result.errors or ()]
    return msgspec.json.encode({"data": result.data, "errors": errors}), executor.budget.spent


@pytest.mark.no_sql
@pytest.mark.parametrize("root", ROOTS)
@pytest.mark.parametrize("shape", SHAPES)
async def test_the_fast_path_answers_and_spends_as_the_normal_path(root: str, shape: str) -> None:
    query, variables = SHAPES[shape]

    fast = await _execute(query, variables, ROOTS[root](), fast=True)
    normal = await _execute(query, variables, ROOTS[root](), fast=False)

    assert fast == normal


@pytest.mark.no_sql
async def test_a_refused_answer_is_null_with_its_forbidden_error_at_its_path() -> None:
    answer, _ = await _execute("{ other { evidence { answer } } }", {}, ROOTS["clean"](), fast=True)

    # As the resolver that raised it answered: the same message, path, location and code.
    assert msgspec.json.decode(answer) == {
        "data": {
            "other": {"evidence": [{"answer": "Réflexion « retenir » : " * 5}, {"answer": None}]}
        },
        "errors": [
            {
                "message": "this reflection is private to its earner",
                "locations": [{"line": 1, "column": 22}],
                "path": ["other", "evidence", 1, "answer"],
                "extensions": {"code": "FORBIDDEN"},
            }
        ],
    }


@pytest.mark.no_sql
@pytest.mark.parametrize("fast", [True, False])
async def test_an_answer_of_plain_fields_past_the_budget_is_one_error_and_no_data(
    fast: bool,
) -> None:
    root = Root(page=paginate([_credential(n) for n in range(100)], 100, None))
    query = "{ page { nodes { id url jwt } } }"
    _, spent = await _execute(query, {}, root, fast=fast)

    refused, _ = await _execute(query, {}, root, fast=fast, most=spent - 1)
    accepted, _ = await _execute(query, {}, root, fast=fast, most=spent)

    assert msgspec.json.decode(refused) == {
        "data": None,
        "errors": [
            {
                "message": f"the answer would be larger than {spent - 1} bytes: "
                "ask for fewer fields or pages",
                "extensions": {"code": "RESPONSE_TOO_LARGE", "maxBytes": spent - 1},
            }
        ],
    }
    assert msgspec.json.decode(accepted)["errors"] == []


class _Counting(SchemaExtension):
    calls: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads it

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(str(info.path.key))
        return _next(root, info, *args, **kwargs)


@pytest.mark.no_sql
async def test_with_middleware_every_field_takes_the_normal_path() -> None:
    schema = strawberry.Schema(
        query=Root,
        types=[Credential, Achievement, Issuer],
        extensions=[_Counting],
        execution_context_class=executor_class(10**9),
    )
    query = "{ page { nodes { id evidence { prompt answer } } } }"

    result = await schema.execute(query, root_value=ROOTS["clean"]())

    assert result.data is not None
    # page, nodes, 3 x (id, evidence, 2 x (prompt, answer))
    assert len(_Counting.calls) == 2 + 3 * (2 + 2 * 2)
    assert [error.message for error in result.errors or ()] == [
        "this reflection is private to its earner"
    ] * 3


PORTFOLIO = """query($email: String!) { learner(email: $email) {
  __typename id name levels { track level levelName achievement { slug } credential { id } }
  alignments { framework code name credentials(first: 5) { totalCount nodes { id } } }
  first: credentials(first: 1) { totalCount pageInfo { hasNextPage endCursor } edges {
    cursor node { id url status awardedAt validFrom validUntil jwt document } } }
  credentials(first: 10) { totalCount nodes {
    __typename id url status awardedAt issuedAt validFrom jwt document
    achievement { slug track level levelName tags alignments { code } issuer { name } }
    issuer { slug did } evidence { prompt answer digest } } } } }"""


@pytest.mark.parametrize("reads_reflections", [False, True])
async def test_a_portfolio_is_the_same_on_both_paths(
    reads_reflections: bool,
    client: httpx.AsyncClient,
    token: Getter,
    make_client: MakeClient,
    runtime: Runtime,
) -> None:
    bearer = await token()
    for n in range(3):
        await issue(client, bearer, f"moodle-executor-{n}")
    scopes = {"portfolio:read", "credentials:read"} if reads_reflections else {"portfolio:read"}
    client_id, _ = await make_client(scopes=scopes, issuers={ISSUER_SLUG})
    async with runtime.read() as unit:
        principal = await unit.clients.principal_for(client_id)

    answers = []
    for fast in (True, False):
        reader = Reader(runtime, principal)
        result = await build_schema(runtime.settings.graphql, has_fast_path=fast).execute(
            PORTFOLIO,
            {"email": "marie.tremblay@exemple.qc.ca"},
            context_value=Context(reader=reader, loaders=Loaders(reader), address="127.0.0.1"),
        )
        errors = [error.formatted for error in result.errors or ()]
        answers.append(msgspec.json.encode({"data": result.data, "errors": errors}))

    assert answers[0] == answers[1]
    decoded = msgspec.json.decode(answers[0])
    assert decoded["data"]["learner"]["credentials"]["totalCount"] == 3
    codes = [error["extensions"]["code"] for error in decoded["errors"]]
    assert codes == ([] if reads_reflections else ["FORBIDDEN"] * 9)
