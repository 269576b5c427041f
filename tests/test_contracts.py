"""The committed contracts are current: run `make schema` after changing the API."""

import secrets
from pathlib import Path

from service.app import create_app
from service.export import OPENAPI_PATH, openapi_json
from service.settings import Settings


def test_openapi_export_is_current(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        key_encryption_key=secrets.token_bytes(32),
        token_secret=secrets.token_bytes(32),
    )

    assert openapi_json(create_app(settings)) == OPENAPI_PATH.read_text(encoding="utf-8"), (
        "run `make schema`"
    )


def test_every_operation_is_documented() -> None:
    import json

    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("operationId"), (path, method)
            assert operation.get("summary") or operation.get("description"), (path, method)


def test_graphql_sdl_export_is_current() -> None:
    from service.app import GRAPHQL_SDL_PATH, graphql_sdl

    assert graphql_sdl() == GRAPHQL_SDL_PATH.read_text(encoding="utf-8"), "run `make schema`"
