"""Rate limits at the door: verifications per address or client, completions per client."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from service.domain.clients import Principal
from service.domain.errors import FieldProblem, InvalidInput, OAuthError, TooManyAttempts
from service.limits import caller_address as address_of
from service.runtime import Runtime


def caller_address(request: Request[object, object, State], runtime: Runtime) -> str:
    """The caller's address, believing ``X-Forwarded-For`` only from trusted proxies."""
    return address_of(request, runtime.trusted_proxies)


async def throttle(
    request: Request[object, object, State],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[Principal | None],
) -> None:
    """Count this verification; 429 with ``Retry-After`` when the caller is over its limit."""
    refusal = await runtime.rate_limits.hit_caller(
        "verifications",
        client_id=principal.client_id if principal else None,
        address=caller_address(request, runtime),
    )
    if refusal:
        raise TooManyAttempts(
            f"too many verification requests ({refusal.limit}); a bearer token raises the limit",
            refusal.retry_after,
        )


async def throttle_completions(
    runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
) -> None:
    """Count this completion against its platform's limit."""
    await count_completions(runtime, principal, 1)


async def count_completions(runtime: Runtime, principal: Principal, count: int) -> None:
    """Count `count` completions (a batch's items) at once: all fit, or 429 and none counted."""
    limits = runtime.rate_limits
    if count > limits.completions.amount:
        raise InvalidInput(
            [
                FieldProblem(
                    "completions",
                    f"{count} completions exceed this client's limit ({limits.completions}): "
                    "send them in smaller batches",
                )
            ]
        )
    refusal = await limits.hit(limits.completions, "completions", principal.client_id, cost=count)
    if refusal:
        raise TooManyAttempts(
            f"too many completion requests ({refusal.limit}); retry later", refusal.retry_after
        )


@asynccontextmanager
async def token_attempt(runtime: Runtime, address: str, client_id: str) -> AsyncIterator[None]:
    """Guard a token request: request rates per address and client id, then failure tiers.

    A wrong secret inside the block counts as a failure for both keys; past a tier the caller
    waits until the tier's window has room, and each tier's window is longer than the last.
    """
    limits = runtime.rate_limits
    keys = (f"address:{address}", f"client:{client_id}")
    for key in keys:
        if refusal := await limits.hit(limits.token_requests, "token-requests", key):
            raise TooManyAttempts(
                f"too many token requests ({refusal.limit}); retry later", refusal.retry_after
            )
    async with secret_failures(runtime, address, client_id):
        yield


@asynccontextmanager
async def secret_failures(runtime: Runtime, address: str, client_id: str) -> AsyncIterator[None]:
    """Failure tiers alone, for every place a client secret is checked (token, xAPI Basic).

    A wrong secret inside the block counts for the address and the client id; past a tier
    the caller waits until the tier's window has room.
    """
    limits = runtime.rate_limits
    keys = (f"address:{address}", f"client:{client_id}")
    if refusal := await limits.over_failures(keys):
        raise TooManyAttempts(
            f"too many failed authentications ({refusal.limit}); retry later",
            refusal.retry_after,
        )
    try:
        yield
    except OAuthError as error:
        if error.code == "invalid_client":
            await limits.record_failure(keys)
        raise
