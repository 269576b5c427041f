"""Clients generated from the committed OpenAPI document: no warning, and they work.

openapi/openapi.json is itself checked current (tests/test_contracts.py), so these run on
what the app serves.
"""

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from litestar import Litestar

from service.domain.demo import Demo
from tests.clients.generators import python_client, typecheck, typescript_client
from tests.service.conftest import PUBLIC_URL, asgi
from tests.service.factories import completion
from tests.service.xapi_fixtures import completed

TS_CONFIG = {
    "compilerOptions": {
        "strict": True,
        "noEmit": True,
        "target": "ES2022",
        "module": "ESNext",
        "moduleResolution": "Bundler",
        "lib": ["ES2022", "DOM", "DOM.Iterable"],
    },
    "include": ["client/**/*.ts"],
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The Python client as the package ``insigne_client``, and what the generator said."""
    folder = tmp_path_factory.mktemp("python-client")
    said = python_client(folder / "insigne_client")
    sys.path.insert(0, str(folder))
    try:
        yield "insigne_client", said
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.split(".")[0] == "insigne_client"]:
            del sys.modules[name]


def _module(package: str, name: str) -> ModuleType:
    return importlib.import_module(f"{package}.{name}")


def test_openapi_python_client_generates_every_operation_without_warnings(
    generated: tuple[str, str],
) -> None:
    package, said = generated

    assert "warning" not in said.lower(), said
    image = _module(package, "api.achievements.set_achievement_image")
    assert image.asyncio_detailed is not None  # the upload is generated, not skipped


def test_hey_api_openapi_ts_generates_a_client_that_type_checks(tmp_path: Path) -> None:
    said = typescript_client(tmp_path / "client")
    (tmp_path / "tsconfig.json").write_text(json.dumps(TS_CONFIG))

    assert "warn" not in said.lower(), said
    sdk = (tmp_path / "client" / "sdk.gen.ts").read_text()
    assert "recordCompletion" in sdk
    assert "setAchievementImage" in sdk
    typecheck(tmp_path / "tsconfig.json")


async def test_the_generated_python_client_posts_a_completion(
    generated: tuple[str, str], app: Litestar, demo: Demo
) -> None:
    package, _ = generated
    client_module = _module(package, "client")
    models = _module(package, "models")
    token_api = _module(package, "api.authentication.create_token")
    completion_api = _module(package, "api.awards.record_completion")
    transport: dict[str, Any] = {"transport": asgi(app)}

    anonymous = client_module.Client(base_url=PUBLIC_URL, httpx_args=transport)
    form = models.TokenRequest(
        grant_type="client_credentials", client_id=demo.client_id, client_secret=demo.client_secret
    )
    token = await token_api.asyncio(client=anonymous, body=form)
    platform = client_module.AuthenticatedClient(
        base_url=PUBLIC_URL, token=token.access_token, httpx_args=transport
    )
    body = models.CompletionIn.from_dict(completion("generated-client"))
    response = await completion_api.asyncio_detailed(client=platform, body=body)

    assert response.status_code == 201, response.content
    award = response.parsed
    assert isinstance(award, models.AwardOut)
    assert award.url == f"{PUBLIC_URL}/credentials/{award.id}"
    again = await completion_api.asyncio_detailed(client=platform, body=body)
    assert again.status_code == 200
    assert again.parsed.id == award.id


async def test_the_generated_python_client_sends_xapi_statements_with_its_token(
    generated: tuple[str, str], app: Litestar, demo: Demo
) -> None:
    """The bearer token goes out because the operation's security requirement says so."""
    package, _ = generated
    client_module = _module(package, "client")
    models = _module(package, "models")
    token_api = _module(package, "api.authentication.create_token")
    xapi = _module(package, "api.x_api.post_xapi_statements")
    transport: dict[str, Any] = {"transport": asgi(app)}
    form = models.TokenRequest(
        grant_type="client_credentials", client_id=demo.client_id, client_secret=demo.client_secret
    )
    anonymous = client_module.Client(base_url=PUBLIC_URL, httpx_args=transport)
    token = await token_api.asyncio(client=anonymous, body=form)
    platform = client_module.AuthenticatedClient(
        base_url=PUBLIC_URL, token=token.access_token, httpx_args=transport
    )

    statement = models.PostXapiStatementsBodyType0Item.from_dict(completed("gen@exemple.qc.ca"))
    response = await xapi.asyncio_detailed(
        client=platform, body=[statement], x_experience_api_version="1.0.3"
    )

    assert response.status_code == 200, response.content
    assert len(json.loads(response.content)) == 1
