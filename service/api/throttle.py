"""Rate limits for the open verification endpoint: per client address, higher with a token."""

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException

from service.domain.clients import Principal
from service.runtime import Runtime


async def throttle(
    request: Request[object, object, State],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[Principal | None],
) -> None:
    """Count this request; 429 with ``Retry-After`` when the caller is over its limit."""
    limits = runtime.rate_limits
    if principal is not None:
        item, key = limits.authenticated, f"client:{principal.client_id}"
    else:
        item, key = (
            limits.anonymous,
            f"address:{request.client.host if request.client else 'unknown'}",
        )
    if await limits.limiter.hit(item, "verifications", key):
        return
    reset_at, _ = await limits.limiter.get_window_stats(item, "verifications", key)
    retry_after = max(1, int(reset_at - runtime.clock().timestamp()))
    raise HTTPException(
        status_code=429,
        detail=f"too many verification requests ({item}); a bearer token raises the limit",
        headers={"Retry-After": str(retry_after)},
    )
