"""The OpenAPI document's configuration: title, security schemes and the documentation UI.

The UIs' scripts and styles come from the ``openapi-ui-bundles`` package (pinned in
pyproject.toml) and are served by the app under ``/schema/assets``, so the pages work offline
and behind a firewall. Stoplight Elements and Scalar ship in no registry package for Python and
would load from a CDN, so they are not offered.
"""

from pathlib import Path

import openapi_ui_bundles
from litestar import Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import (
    OpenAPIRenderPlugin,
    RapidocRenderPlugin,
    RedocRenderPlugin,
    SwaggerRenderPlugin,
    YamlRenderPlugin,
)
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityScheme
from litestar.static_files import create_static_files_router

from service.api.webhook_events import webhooks

SCOPES = {
    "completions:write": "post completions",
    "credentials:read": "read issued credentials",
    "credentials:revoke": "revoke credentials",
    "portfolio:read": "read portfolios",
    "webhooks:manage": "subscribe to the events of the credentials the client may follow",
    "admin": "everything",
}

SCHEMA_PATH = "/schema"
ASSETS_PATH = f"{SCHEMA_PATH}/assets"
ASSET_DIRECTORIES: dict[str, Path] = {
    "swagger-ui": openapi_ui_bundles.swagger_ui.static_path,
    "redoc": openapi_ui_bundles.redoc.static_path,
    "rapidoc": openapi_ui_bundles.rapidoc.static_path,
}
"""Each UI's files, served at ``/schema/assets/<name>/``."""

_FAVICON = f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/swagger-ui/favicon-32x32.png'>"


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """ReDoc at ``/schema`` and ``/schema/redoc``, Swagger UI, RapiDoc, and the YAML document."""
    return [
        RedocRenderPlugin(
            path=["/", "/redoc"],
            js_url=f"{ASSETS_PATH}/redoc/redoc.standalone.js",
            google_fonts=False,
            favicon=_FAVICON,
        ),
        SwaggerRenderPlugin(
            js_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui-standalone-preset.js",
            favicon=_FAVICON,
        ),
        RapidocRenderPlugin(js_url=f"{ASSETS_PATH}/rapidoc/rapidoc-min.js", favicon=_FAVICON),
        YamlRenderPlugin(),
    ]


def docs_router() -> Router:
    """The router under ``/schema``: the UIs' assets; Litestar adds the pages and documents."""
    assets = [
        create_static_files_router(
            path=f"/assets/{name}", directories=[directory], name=f"openapi-assets-{name}"
        )
        for name, directory in ASSET_DIRECTORIES.items()
    ]
    return Router(SCHEMA_PATH, route_handlers=assets, include_in_schema=False)


def openapi_config(version: str) -> OpenAPIConfig:
    """The OpenAPI configuration the app serves at ``/schema``."""
    return OpenAPIConfig(
        title="Insigne",
        version=version,
        description="Issue, host and verify signed Open Badges 3.0 credentials.",
        use_handler_docstrings=True,
        path=SCHEMA_PATH,
        render_plugins=render_plugins(),
        webhooks=dict(webhooks()),
        openapi_router=docs_router(),
        components=Components(
            security_schemes={
                "oauth2": SecurityScheme(
                    type="oauth2",
                    flows=OAuthFlows(
                        client_credentials=OAuthFlow(
                            token_url="/oauth/token",  # noqa: S106 - a path
                            scopes=SCOPES,
                        )
                    ),
                ),
                # The token endpoint's client authentication, and xAPI clients' LRS key and
                # secret (a platform client's id and secret).
                "basic": SecurityScheme(type="http", scheme="basic"),
                # A wallet's access token from POST /wallet/token (OID4VCI pre-authorized code).
                "walletToken": SecurityScheme(type="http", scheme="bearer"),
            }
        ),
    )
