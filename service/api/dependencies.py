"""Request-scoped dependencies: the runtime, and bearer-token principals.

Each dependency that touches the database opens its own unit of work with ``async with``, so
its session is closed whatever raises afterwards (a guard, a rate limiter, the handler, a
client that hangs up); no session outlives the code that opened it.
"""

from collections.abc import Callable
from typing import Annotated, Any

from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter

from service.domain.clients.clients import Principal, TokenClaims, token_claims
from service.domain.errors import Unauthorized
from service.domain.texts import Said
from service.domain.verification.verifications import VerificationService
from service.runtime import Runtime

Requirement = dict[str, list[str]]
SECURITY: dict[Callable[..., Any], list[Requirement]] = {}
"""What each principal dependency accepts, as OpenAPI security requirements (alternatives).

`service.api.security` gives each operation the requirement of its ``principal``.
"""


def bearer_with(scope: str) -> list[Requirement]:
    """A token with `scope`; ``admin`` passes every scope check (`Principal.require`)."""
    return [{"oauth2": [scope]}] + ([{"oauth2": ["admin"]}] if scope != "admin" else [])


Authorization = Annotated[
    str | None, HeaderParameter(name="Authorization", include_in_schema=False)
]
"""The header, left out of the document's parameters: the document states it once, as each
operation's ``security`` requirement (`service.api.security`), so generated clients and
Swagger UI send the token themselves."""


def provide_runtime(runtime: Runtime) -> Provide:
    """The process's runtime as the ``runtime`` dependency."""

    def get() -> Runtime:
        return runtime

    return Provide(get, use_cache=True, sync_to_thread=False)


def _bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _claims(runtime: Runtime, token: str) -> TokenClaims:
    """The token's checked claims (no I/O); its client is admitted by a later unit."""
    return token_claims(token, runtime.settings.token_secret, runtime.settings.public_url)


async def _principal(runtime: Runtime, token: str) -> Principal:
    async with runtime.read() as services:
        return await services.clients.principal(token)


def requires(scope: str) -> Provide:
    """A ``principal`` dependency: the bearer token's client, which must hold `scope`."""

    async def principal(
        runtime: NamedDependency[Runtime], authorization: Authorization = None
    ) -> Principal:
        token = _bearer(authorization)
        if token is None:
            raise Unauthorized(Said("token-required"))
        found = await _principal(runtime, token)
        found.require(scope)
        return found

    SECURITY[principal] = bearer_with(scope)
    return Provide(principal)


def requires_token(scope: str) -> Provide:
    """A ``principal`` dependency: the bearer token's checked claims, which must grant `scope`.

    No I/O: the handler's first unit of work admits the token's client (enabled, secret
    current, still holding `scope`) as its first statement, instead of a unit of its own.
    """

    def principal(
        runtime: NamedDependency[Runtime], authorization: Authorization = None
    ) -> TokenClaims:
        token = _bearer(authorization)
        if token is None:
            raise Unauthorized(Said("token-required"))
        claims = _claims(runtime, token)
        claims.require(scope)
        return claims

    SECURITY[principal] = bearer_with(scope)
    return Provide(principal, sync_to_thread=False)


async def optional_principal(
    runtime: NamedDependency[Runtime], authorization: Authorization = None
) -> Principal | None:
    """The caller's client when a valid bearer token is sent (for a higher rate limit)."""
    token = _bearer(authorization)
    return None if token is None else await _principal(runtime, token)


SECURITY[optional_principal] = [{}, {"oauth2": []}]  # anonymous, or any token


def optional_caller(
    runtime: NamedDependency[Runtime], authorization: Authorization = None
) -> TokenClaims | None:
    """A bearer token's checked claims, when one is sent: enough to count the caller's rate.

    Whether its client may still act is read later, in the verifier's own read unit
    (`Runtime.verifications`): a verification of an own badge opens one unit, not two.
    """
    token = _bearer(authorization)
    return None if token is None else _claims(runtime, token)


SECURITY[optional_caller] = SECURITY[optional_principal]


def provide_verifications(
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[TokenClaims | None],
    caller: NamedDependency[str],
) -> VerificationService:
    """The verifier, built once the caller's rate limit let it through (``caller``, as counted).

    Depending on the throttle keeps the route's dependencies in a chain (caller, throttle,
    verifier): Litestar resolves the dependencies of one level together in an anyio task
    group, two tasks per request, where a chain is awaited in line. The verifier admits the
    caller's token (its client enabled, its secret current) before it verifies anything.
    """
    del caller
    return runtime.verifications(principal)


SERVICES = {"verifications": Provide(provide_verifications, sync_to_thread=False)}
