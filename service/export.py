"""The exported API contracts: ``openapi/openapi.json`` and ``schema/schema.graphql``.

Each is written and checked by the same code.
"""

import json
from pathlib import Path

from litestar import Litestar

from service.app import GRAPHQL_SDL_PATH, graphql_sdl

OPENAPI_PATH = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


def openapi_json(app: Litestar) -> str:
    """The OpenAPI document, with sorted keys so diffs stay readable."""
    return (
        json.dumps(app.openapi_schema.to_schema(), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )


def write_openapi(app: Litestar, path: Path = OPENAPI_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(openapi_json(app), encoding="utf-8")
    return path


def write_sdl(path: Path = GRAPHQL_SDL_PATH) -> Path:
    path.write_text(graphql_sdl(), encoding="utf-8")
    return path
