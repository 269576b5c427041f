"""Property-based run of schemathesis against the app's own OpenAPI document.

SQLite, with the demo loaded and a bearer token holding every scope of the demo client. The
suite's run is bounded (``FUZZ_EXAMPLES`` examples per operation, default 12); ``make fuzz``
runs more examples with every schemathesis check. No 5xx, and every response documented:
status code, content type and body schema.
"""

import asyncio
import json
import os
import secrets
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app
from service.cli import _upgrade
from service.db.engine import Database
from service.export import OPENAPI_PATH
from service.runtime import Runtime
from service.settings import Settings
from tests.service.conftest import load_demo_into

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
ALL_CHECKS = os.environ.get("FUZZ_ALL_CHECKS") == "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


async def _token(settings: Settings) -> str:
    runtime = Runtime.build(settings, database=Database.from_url(settings.database_url))
    try:
        demo = await load_demo_into(settings, runtime.database)
        async with runtime.read() as services:
            token = await services.clients.issue_token(demo.client_id, demo.client_secret, None)
        return token.token
    finally:
        await runtime.close()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Litestar, str]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    fuzz_settings = Settings(
        database_url=f"sqlite+aiosqlite:///{data / 'fuzz.db'}",
        data_dir=data,
        key_encryption_key=secrets.token_bytes(32),
        token_secret=secrets.token_bytes(32),
        rate_limit_anonymous="1000000/minute",
        rate_limit_authenticated="1000000/minute",
    )
    _upgrade(fuzz_settings, None)  # type: ignore[arg-type]
    token = asyncio.run(_token(fuzz_settings))
    return create_app(fuzz_settings), token


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the committed document (itself checked current)."""
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


@pytest.fixture(scope="module")
def api_schema(fuzzed: tuple[Litestar, str]) -> Any:
    app, _ = fuzzed
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app)


@pytest.mark.parametrize(("method", "path"), _operations())
@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
def test_the_api_answers_every_input_within_its_contract(
    method: str,
    path: str,
    mode: GenerationMode,
    api_schema: Any,
    fuzzed: tuple[Litestar, str],
) -> None:
    _, token = fuzzed
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {token}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not ALL_CHECKS,
        database=None,
    )
    def run(case: Any) -> None:
        if ALL_CHECKS:
            case.call_and_validate(headers=headers)
        else:
            case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Only strings in the path or query, unbounded: no input breaks the schema.
        assert mode is GenerationMode.NEGATIVE
