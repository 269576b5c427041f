"""Rate limits for the open verification endpoint: per client address, higher with a token.

Counters live in the storage the settings name (a ``limits`` URI): ``async+memory://`` for one
process, ``async+redis://host:6379`` when several processes share the limits.
"""

import inspect

from limits import RateLimitItem
from limits.aio.strategies import MovingWindowRateLimiter
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException

from service.domain.clients import Principal


class RateLimits:
    """The two limits and their shared limiter."""

    def __init__(
        self,
        limiter: MovingWindowRateLimiter,
        anonymous: RateLimitItem,
        authenticated: RateLimitItem,
    ) -> None:
        self.limiter = limiter
        self.anonymous = anonymous
        self.authenticated = authenticated

    async def close(self) -> None:
        """Close the Redis connections (``limits`` has no public close; memory needs none)."""
        client = getattr(getattr(self.limiter.storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            result = pool.disconnect()
            if inspect.isawaitable(result):
                await result


async def throttle(
    request: Request[object, object, State], principal: NamedDependency[Principal | None]
) -> None:
    """Count this request; 429 with ``Retry-After`` when the caller is over its limit."""
    limits: RateLimits = request.app.state.rate_limits
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
    retry_after = max(1, int(reset_at - request.app.state.clock().timestamp()))
    raise HTTPException(
        status_code=429,
        detail=f"too many verification requests ({item}); a bearer token raises the limit",
        headers={"Retry-After": str(retry_after)},
    )
