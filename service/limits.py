"""Rate limits: counters in the storage the settings name (a ``limits`` URI).

``async+memory://`` counts for one process, ``async+redis://host:6379`` when several
processes share the limits. When the shared storage cannot be reached the service keeps
answering (limits fail open, a warning is logged once a minute) and ``/ready`` says so: a
limiter outage must not become a service outage.

Counts are sliding-window counters (the current and the previous window's count, the latter
weighted by how much of it is still in the window): constant work per request. The moving
window kept one entry per request and, in memory, copied each key's list of entries (through
a thread) on every hit, so each request cost more the higher the traffic: a limit of 1,200 a
minute kept up to 1,200 entries, and under load the limiter outweighed the handler.

REST, GraphQL and the pages count a caller the same way (`RateLimits.hit_caller`, through
`service.throttling`): per
API client with a bearer token, else per address, believing ``X-Forwarded-For`` only from
trusted proxies; and both fail open alike.

Token requests have two kinds of limit: how often an address or a client id may ask, and how
many failures they may make; failures are counted over a minute, an hour and a day, so each
wrong secret past a tier makes the wait grow (RFC 6749 §5.2 leaves lockout to the server).
"""

import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from limits import RateLimitItem
from limits import parse as parse_limit
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

log = logging.getLogger(__name__)
_WARN_EVERY = 60.0
FAILURE_TIERS = ("5/minute", "20/hour", "100/day")


@dataclass(frozen=True)
class Refusal:
    """Over a limit: what to say, and when to come back."""

    limit: str
    retry_after: int


def caller_key(client_id: str | None, address: str) -> str:
    """A caller as its limits count it: its API client when it sent a token, else its address."""
    return client_key(client_id) if client_id is not None else f"address:{address}"


def client_key(client_id: str) -> str:
    """An API client as its limits count it (`caller_key` with a token)."""
    return f"client:{client_id}"


class RateLimits:
    """Every limit the service applies, on one limiter."""

    def __init__(
        self,
        storage_uri: str,
        *,
        anonymous: str,
        authenticated: str,
        completions: str,
        token_requests: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.limiter = SlidingWindowCounterRateLimiter(storage_from_string(storage_uri))
        self.anonymous = parse_limit(anonymous)
        self.authenticated = parse_limit(authenticated)
        self.completions = parse_limit(completions)
        self.token_requests = parse_limit(token_requests)
        self.failure_tiers = tuple(parse_limit(tier) for tier in FAILURE_TIERS)
        self._clock = clock
        self._warned_at = -_WARN_EVERY

    async def hit(
        self, item: RateLimitItem, namespace: str, key: str, *, cost: int = 1
    ) -> Refusal | None:
        """Count `cost` requests; a refusal when they do not fit (None when the store is down).

        A refused hit counts nothing: a batch that does not fit leaves the room to others.
        """
        return await self._unless(self.limiter.hit, item, namespace, key, cost)

    async def full(self, item: RateLimitItem, namespace: str, key: str) -> Refusal | None:
        """A refusal when not even one more request fits; counts nothing (None when down)."""
        return await self._unless(self.limiter.test, item, namespace, key, 1)

    async def _unless(
        self,
        fits: Callable[..., Awaitable[bool]],
        item: RateLimitItem,
        namespace: str,
        key: str,
        cost: int,
    ) -> Refusal | None:
        try:
            if await fits(item, namespace, key, cost=cost):
                return None
            reset_at, _ = await self.limiter.get_window_stats(item, namespace, key)
        except Exception:
            self._warn_unreachable()
            return None
        return Refusal(str(item), max(1, int(reset_at - self._clock().timestamp())))

    async def hit_caller(
        self, namespace: str, *, client_id: str | None, address: str
    ) -> Refusal | None:
        """Count one request of a caller: per API client with a token, else per address."""
        tier = self.authenticated if client_id is not None else self.anonymous
        return await self.hit(tier, namespace, caller_key(client_id, address))

    async def over_failures(self, keys: Iterable[str]) -> Refusal | None:
        """The longest wait among the failure tiers that `keys` have exhausted."""
        refusals: list[Refusal] = []
        try:
            for key in keys:
                for tier in self.failure_tiers:
                    if not await self.limiter.test(tier, "token-failures", key):
                        reset_at, _ = await self.limiter.get_window_stats(
                            tier, "token-failures", key
                        )
                        refusals.append(
                            Refusal(str(tier), max(1, int(reset_at - self._clock().timestamp())))
                        )
        except Exception:
            self._warn_unreachable()
            return None
        return max(refusals, key=lambda refusal: refusal.retry_after, default=None)

    async def record_failure(self, keys: Iterable[str]) -> None:
        try:
            for key in keys:
                for tier in self.failure_tiers:
                    await self.limiter.hit(tier, "token-failures", key)
        except Exception:
            self._warn_unreachable()

    async def reset(self) -> None:
        """Forget every count (tests that share one runtime start each from zero)."""
        await self.limiter.storage.reset()

    async def is_reachable(self) -> bool:
        try:
            return bool(await self.limiter.storage.check())
        except Exception:
            return False

    async def close(self) -> None:
        """Close the Redis connections (``limits`` has no public close; memory needs none)."""
        client = getattr(getattr(self.limiter.storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            result = pool.disconnect()
            if hasattr(result, "__await__"):
                await result

    def _warn_unreachable(self) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY:
            self._warned_at = now
            log.warning("the rate-limit storage is unreachable: limits are not enforced")


class TrustedProxies:
    """The proxies whose ``X-Forwarded-For`` is believed (addresses or networks)."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._networks = tuple(ipaddress.ip_network(value, strict=False) for value in values)

    def __contains__(self, address: object) -> bool:
        try:
            ip = ipaddress.ip_address(str(address))
        except ValueError:
            return False
        return any(ip in network for network in self._networks)


def client_address(peer: str | None, forwarded_for: Sequence[str], trusted: TrustedProxies) -> str:
    """The caller's address: the peer's, unless the peer is a trusted proxy.

    Behind trusted proxies, ``X-Forwarded-For`` is read from the right and the first address
    that is not a trusted proxy is the caller's; a header from anyone else is ignored, so a
    client cannot pick a fresh address for each request.
    """
    if peer is None:
        return "unknown"
    if peer not in trusted:
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return hops[0] if hops else peer
