"""Rate limits at the REST door, as Litestar dependencies over `service.throttling`."""

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from service.domain.clients.clients import Principal, TokenClaims
from service.runtime import Runtime
from service.throttling import caller_address, count_completions, count_verification


async def throttle(
    request: Request[object, object, State],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[TokenClaims | None],
) -> str:
    """Count this verification; 429 with ``Retry-After`` when the caller is over its limit.

    Returns the caller as counted.
    """
    return await count_verification(runtime, principal, caller_address(request, runtime))


async def throttle_completions(
    runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
) -> None:
    """Count this completion against its platform's limit."""
    await count_completions(runtime, principal, 1)


async def throttle_token_completions(
    runtime: NamedDependency[Runtime], principal: NamedDependency[TokenClaims]
) -> None:
    """`throttle_completions` for a route whose ``principal`` is a token's checked claims."""
    await count_completions(runtime, principal, 1)
