"""Property-based runs of schemathesis against the app's own OpenAPI document and GraphQL schema.

Each run has its own migrated database (SQLite, or PostgreSQL when ``TEST_POSTGRES_URL`` is set),
the demo loaded, and a bearer token: the demo platform's (every non-admin scope of the demo
issuer) or an admin's of the demo issuer. The suite runs two of the four pairings, bounded
(``FUZZ_EXAMPLES`` examples per operation and mode): platform on SQLite (12 by default) and
admin on PostgreSQL (4: the suite's time). ``make fuzz`` runs all four, with more examples and every schemathesis check. No
5xx, and every REST answer documented: status code, content type and body schema. The figures
(cases sent per run) are printed at the end of each run (pytest -s).
"""

import asyncio
import functools
import json
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import schemathesis.graphql
from graphql import build_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.graphql import nodes
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import GRAPHQL_SDL_PATH, create_app
from service.cli import _upgrade
from service.db.engine import Database
from service.domain.demo import ISSUER_SLUG
from service.export import OPENAPI_PATH
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import BACKENDS, Templates
from tests.service.conftest import load_demo_into

EXAMPLES = os.environ.get("FUZZ_EXAMPLES")
ALL_CHECKS = os.environ.get("FUZZ_ALL_CHECKS") == "1"
ALL_PAIRINGS = os.environ.get("FUZZ_ALL_PAIRINGS") == "1"
# FUZZ_CHECKS=5xx: only "no server error", for the longest runs (validating every answer's
# schema costs more than the request).
CHECKS = (
    [not_a_server_error]
    if os.environ.get("FUZZ_CHECKS") == "5xx"
    else [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
)  # fmt: skip
# Operations that would end the run's own token, were a case to name the run's own client.
ENDS_THE_TOKEN = {"/api/v1/clients/{client_id}/disable", "/api/v1/clients/{client_id}/renew-secret"}

EARLIEST = datetime(1, 1, 2)  # noqa: DTZ001 - hypothesis takes naive bounds
schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes(timezones=st.just(UTC), min_value=EARLIEST).map(
        lambda moment: nodes.String(moment.isoformat())
    ),
)
schemathesis.graphql.scalar("JSON", st.text(max_size=200).map(nodes.String))

# Not traced for coverage: hypothesis's generation ran three times slower under the tracer, and
# the paths it reaches are the ones the other tests assert on.
pytestmark = pytest.mark.no_cover


@dataclass
class Fuzzed:
    app: Litestar
    token: str
    client_id: str
    cases: Counter[str]
    examples: int

    @functools.cached_property
    def api_schema(self) -> Any:
        return schemathesis.openapi.from_asgi("/schema/openapi.json", self.app)

    @functools.cached_property
    def graphql_schema(self) -> Any:
        loaded = schemathesis.graphql.from_path(GRAPHQL_SDL_PATH)
        loaded.app, loaded.location = self.app, "/graphql"
        return loaded


async def _token(settings: Settings, role: str) -> tuple[str, str]:
    runtime = Runtime.build(settings, database=Database.from_url(settings.database_url))
    try:
        demo = await load_demo_into(settings, runtime.database)
        client_id, secret = demo.client_id, demo.client_secret
        async with runtime.write() as services:
            if role == "admin":
                new = await services.clients.create(
                    name="Fuzz admin", scopes={"admin"}, issuer_slugs={ISSUER_SLUG}, actor="fuzz"
                )
                client_id, secret = new.client_id, new.client_secret
        async with runtime.read() as services:
            token = await services.clients.issue_token(client_id, secret, None)
        return token.token, client_id
    finally:
        await runtime.close()


async def _database_url(backend: str, folder: Path) -> tuple[str, Templates]:
    templates = Templates(backend, folder)
    await templates.create()
    scratch = await templates.copy()
    await scratch.engine.dispose()
    return scratch.url, templates


def _pairing(backend: str, role: str) -> bool:
    return ALL_PAIRINGS or (backend, role) in {("sqlite", "platform"), ("postgres", "admin")}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=["platform", "admin"])
def fuzzed(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    role = str(request.param)
    if not _pairing(backend, role):
        pytest.skip("the suite fuzzes platform on SQLite and admin on PostgreSQL (make fuzz: all)")
    data: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite+aiosqlite:///{data / 'fuzz.db'}"
    templates = None
    if backend == "postgres":
        url, templates = asyncio.run(_database_url(backend, data))
    fuzz_settings = Settings(
        database_url=url,
        data_dir=data,
        key_encryption_key=secrets.token_bytes(32),
        token_secret=secrets.token_bytes(32),
        rate_limit_anonymous="1000000/minute",
        rate_limit_authenticated="1000000/minute",
    )
    if templates is None:
        _upgrade(fuzz_settings, None)  # type: ignore[arg-type]
    token, client_id = asyncio.run(_token(fuzz_settings, role))
    examples = 12 if backend == "sqlite" else 4
    fuzzed = Fuzzed(create_app(fuzz_settings), token, client_id, Counter(), examples)
    yield fuzzed
    print(  # noqa: T201 - the figures for the record (pytest -s)
        f"\nschemathesis, {backend} with the {role}'s token: {fuzzed.cases['rest']:,} REST cases "
        f"over {fuzzed.cases['operations']} operation-modes, {fuzzed.cases['graphql']:,} GraphQL "
        f"cases, 0 answers 5xx"
    )
    if templates is not None:
        asyncio.run(_drop(url, templates))


async def _drop(url: str, templates: Templates) -> None:
    from tests.databases import _run_autocommit

    name = url.rsplit("/", 1)[1]
    await _run_autocommit(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await templates.drop()


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the committed document (itself checked current)."""
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


def _explore(fuzzed: "Fuzzed") -> settings:
    return settings(
        max_examples=int(EXAMPLES) if EXAMPLES else fuzzed.examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not ALL_CHECKS,
        database=None,
    )


@pytest.mark.parametrize(("method", "path"), _operations())
@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
def test_the_api_answers_every_input_within_its_contract(
    method: str, path: str, mode: GenerationMode, fuzzed: Fuzzed
) -> None:
    operation = fuzzed.api_schema[path][method]
    headers = {"Authorization": f"Bearer {fuzzed.token}"}
    fuzzed.cases["operations"] += 1

    @given(case=operation.as_strategy(generation_mode=mode))
    @_explore(fuzzed)
    def run(case: Any) -> None:
        if path in ENDS_THE_TOKEN and fuzzed.client_id in str(case.path_parameters):
            return
        fuzzed.cases["rest"] += 1
        if ALL_CHECKS:
            case.call_and_validate(headers=headers)
        else:
            case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Only strings in the path or query, unbounded: no input breaks the schema.
        assert mode is GenerationMode.NEGATIVE


def _graphql_operations() -> list[str]:
    """Every root field of the committed SDL (itself checked current)."""
    built = build_schema(GRAPHQL_SDL_PATH.read_text(encoding="utf-8"))
    roots = [built.query_type, built.mutation_type]
    return [f"{root.name}.{name}" for root in roots if root is not None for name in root.fields]


@pytest.mark.parametrize("field", _graphql_operations())
def test_graphql_answers_every_query_without_a_server_error(field: str, fuzzed: Fuzzed) -> None:
    kind, name = field.split(".")
    operation = fuzzed.graphql_schema[kind][name]
    headers = {"Authorization": f"Bearer {fuzzed.token}"}

    @given(case=operation.as_strategy())
    @_explore(fuzzed)
    def run(case: Any) -> None:
        fuzzed.cases["graphql"] += 1
        response = case.call(headers=headers)
        assert response.status_code < 500, response.text
        body = response.json()
        codes = {error.get("extensions", {}).get("code") for error in body.get("errors") or []}
        assert "INTERNAL_SERVER_ERROR" not in codes, body

    run()
