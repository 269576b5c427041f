"""The OpenAPI document's configuration: title, security schemes and the documentation UI."""

from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityScheme

SCOPES = {
    "completions:write": "post completions",
    "credentials:read": "read issued credentials",
    "credentials:revoke": "revoke credentials",
    "portfolio:read": "read portfolios",
    "admin": "everything",
}


def openapi_config(version: str) -> OpenAPIConfig:
    """The OpenAPI configuration the app serves at ``/schema``."""
    return OpenAPIConfig(
        title="Insigne",
        version=version,
        description="Issue, host and verify signed Open Badges 3.0 credentials.",
        use_handler_docstrings=True,
        path="/schema",
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
                )
            }
        ),
    )
