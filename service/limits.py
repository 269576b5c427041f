"""Rate limits: counters in the storage the settings name (a ``limits`` URI).

``async+memory://`` counts for one process, ``async+redis://host:6379`` when several
processes share the limits.
"""

import inspect

from limits import RateLimitItem
from limits.aio.strategies import MovingWindowRateLimiter


class RateLimits:
    """The limits and their shared limiter."""

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
