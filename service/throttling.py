"""The throttle every face uses: REST, GraphQL and the HTML pages count callers one way.

A caller is counted per API client when it sends a token, else per address, and its address
is the peer's unless the peer is one of ``INSIGNE_TRUSTED_PROXIES`` (`service.limits`). When
the limits' store is down every face keeps answering: `RateLimits` fails open. Refusals are
`TooManyAttempts`; each face says them in its own form (a 429 problem, a GraphQL
``RATE_LIMITED`` error, a page).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from litestar.connection import ASGIConnection

from openbadges import LaneFull
from service.domain.errors import FieldProblem, InvalidInput, OAuthError, TooManyAttempts
from service.domain.texts import Said
from service.limits import Refusal, TrustedProxies, caller_key, client_address
from service.metrics import metrics
from service.runtime import Runtime


class Caller(Protocol):
    """Who is counted: a client (its principal, or a token's claims when that is all there is)."""

    @property
    def client_id(self) -> str: ...


def caller_address(connection: ASGIConnection[Any, Any, Any, Any], runtime: Runtime) -> str:
    """The caller's address, believing ``X-Forwarded-For`` only from trusted proxies."""
    return connection_address(connection, runtime.trusted_proxies)


def connection_address(
    connection: ASGIConnection[Any, Any, Any, Any], trusted: TrustedProxies
) -> str:
    """`caller_address` for a face that holds the trusted proxies, not the runtime."""
    return client_address(
        connection.client.host if connection.client else None,
        connection.headers.getall("x-forwarded-for", []),
        trusted,
    )


async def count_caller(
    runtime: Runtime, namespace: str, refused: str, principal: Caller | None, address: str
) -> str:
    """Count one request in `namespace`; over the limit, refuse it with the `refused` message.

    Returns the caller as counted (`caller_key`).
    """
    client_id = principal.client_id if principal else None
    refusal = await runtime.rate_limits.hit_caller(namespace, client_id=client_id, address=address)
    if refusal:
        raise _over(refused, refusal)
    return caller_key(client_id, address)


async def count_verification(runtime: Runtime, principal: Caller | None, address: str) -> str:
    """Count one verification, whichever face asked for it (one counter for all of them).

    Returns the caller as counted: its slow steps take their turns under that name
    (`VerificationService.verify`).
    """
    return await count_caller(
        runtime, "verifications", "too-many-verifications", principal, address
    )


async def room_for_a_completion(runtime: Runtime, principal: Caller) -> None:
    """429 when the client's completion limit has no room left, before its body is read."""
    limits = runtime.rate_limits
    refusal = await limits.full(limits.completions, "completions", principal.client_id)
    if refusal:
        raise _over("too-many-completions", refusal)


async def count_completions(runtime: Runtime, principal: Caller, count: int) -> None:
    """Count `count` completions (a batch's items) at once: all fit, or 429 and none counted."""
    limits = runtime.rate_limits
    if count > limits.completions.amount:
        raise InvalidInput(
            [
                FieldProblem(
                    "completions",
                    Said("batch-over-limit", count=count, limit=str(limits.completions)),
                )
            ]
        )
    refusal = await limits.hit(limits.completions, "completions", principal.client_id, cost=count)
    if refusal:
        raise _over("too-many-completions", refusal)


@asynccontextmanager
async def token_attempt(runtime: Runtime, address: str, client_id: str) -> AsyncIterator[None]:
    """Guard a token request: request rates per address and client id, then failure tiers.

    A wrong secret inside the block counts as a failure for both keys; past a tier the caller
    waits until the tier's window has room, and each tier's window is longer than the last.
    """
    limits = runtime.rate_limits
    keys = (caller_key(None, address), caller_key(client_id, address))
    for key in keys:
        if refusal := await limits.hit(limits.token_requests, "token-requests", key):
            raise _over("too-many-token-requests", refusal)
    async with secret_failures(runtime, address, client_id):
        yield


@asynccontextmanager
async def secret_failures(runtime: Runtime, address: str, client_id: str) -> AsyncIterator[None]:
    """Failure tiers alone, for every place a client secret is checked (token, xAPI Basic).

    A wrong secret inside the block counts for the address and the client id; past a tier
    the caller waits until the tier's window has room.
    """
    limits = runtime.rate_limits
    keys = (caller_key(None, address), caller_key(client_id, address))
    if refusal := await limits.over_failures(keys):
        raise _over("too-many-failures", refusal)
    try:
        yield
    except OAuthError as error:
        if error.code == "invalid_client":
            await limits.record_failure(keys)
        raise


def lane_full(error: LaneFull) -> TooManyAttempts:
    """The 429 of a caller whose slow steps fill its queue for the threads (and its count)."""
    metrics().slow_steps_refused.labels(error.pool).inc()
    return TooManyAttempts(Said("too-many-waiting", most=error.most), retry_after=1)


def _over(message: str, refusal: Refusal) -> TooManyAttempts:
    """The 429 of a limit with no room left: its `message`, the limit, when to retry."""
    return TooManyAttempts(Said(message, limit=refusal.limit), refusal.retry_after)
