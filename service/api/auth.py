"""OAuth 2.0 client credentials (RFC 6749 §4.4): platforms trade their secret for a token."""

import base64
import binascii
from urllib.parse import unquote

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody

from service.api.dependencies import Authorization
from service.api.errors import problems
from service.domain.errors import OAuthError
from service.domain.storable import is_unstorable
from service.domain.texts import Said
from service.runtime import Runtime
from service.throttling import caller_address, token_attempt


class TokenRequest(msgspec.Struct, kw_only=True):
    grant_type: str | None = None  # required; its absence is RFC 6749's invalid_request
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None


class TokenOut(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class TokenController(Controller):
    path = "/oauth/token"
    tags = ["Authentication"]

    @post(
        operation_id="CreateToken",
        status_code=200,
        responses=problems(400, 401, 429),
        opt={"oauth": True},
        # RFC 6749 §2.3.1: HTTP Basic, or client_id and client_secret in the form.
        security=[{"basic": []}, {}],
    )
    async def create_token(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        data: URLEncodedBody[TokenRequest],
        authorization: Authorization = None,
    ) -> TokenOut:
        """Exchange client credentials (HTTP Basic or form) for a short-lived bearer token."""
        if data.grant_type is None:
            raise OAuthError("invalid_request", Said("grant-type-required"))
        if data.grant_type != "client_credentials":
            raise OAuthError("unsupported_grant_type", Said("grant-type-unsupported"))
        client_id, secret = _credentials(data, authorization)
        if any(is_unstorable(text) for text in (client_id, secret, data.scope or "")):
            raise OAuthError("invalid_request", Said("credentials-unstorable"))
        address = caller_address(request, runtime)
        async with token_attempt(runtime, address, client_id), runtime.read() as services:
            token = await services.clients.issue_token(client_id, secret, data.scope)
        return TokenOut(
            access_token=token.token,
            token_type="Bearer",  # noqa: S106 - the RFC 6750 token type
            expires_in=token.expires_in,
            scope=token.scope,
        )


def _credentials(data: TokenRequest, authorization: str | None) -> tuple[str, str]:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", Said("basic-client-malformed")) from None
        return unquote(client_id), unquote(secret)  # RFC 6749 §2.3.1: form-encoded first
    if data.client_id and data.client_secret:
        return data.client_id, data.client_secret
    raise OAuthError("invalid_client", Said("client-credentials-required"))
