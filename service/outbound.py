"""The one outbound HTTP client: safe to point at URLs that strangers send us.

Verifying a foreign badge means fetching its issuer's DID document, keys and status lists
from URLs inside the badge. Those URLs are attacker-controlled, so:

* HTTPS only; plain HTTP only for hosts listed in settings (development, tests);
* the address is checked when the connection is made, after DNS resolution, and the socket
  goes to that checked address: private, loopback, link-local (cloud metadata), multicast
  and reserved ranges are refused, so DNS rebinding cannot slip past the check, and so are
  IPv6 addresses that carry such an IPv4 address (NAT64, 6to4, IPv4-compatible…);
* redirects are followed by hand (at most three), each target checked like the first URL;
* timeouts on every phase, a total deadline on a POST, a cap on the response size; JSON only;
* at most ``per_host`` requests in flight to one host at a time (a verification may fetch
  several documents; many verifications may name one host), the rest wait their turn;
* a small per-process cache honours ``Cache-Control: max-age`` (``no-store``/``no-cache``
  are not cached), so a burst of verifications of one issuer's badges fetches its keys once.
"""

import ipaddress
import json
import re
import socket
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import anyio
import httpcore
import httpx

from service.domain.errors import UnreachableDocument
from service.domain.texts import Said
from service.domain.verification.fetched import Gone
from service.metrics import metrics

MAX_BYTES = 1_000_000
MAX_REDIRECTS = 3
MAX_CACHE_SECONDS = 3600
CACHE_ENTRIES = 256
TIMEOUT = httpx.Timeout(5.0, connect=3.0)
DEADLINE = 10.0  # seconds for a whole POST: connect, send and the complete answer


class FetchError(UnreachableDocument):
    """A URL could not be fetched safely; the message says why (safe to show)."""

    said: Said

    def __init__(self, message: Said, outcome: str = "unreachable") -> None:
        super().__init__(message)
        self.outcome = outcome  # the label it is counted under in the fetch metrics


class _NotPublic(httpcore.ConnectError):
    """The host resolves to an address that is not on the public internet."""


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not private, loopback, metadata…).

    An IPv6 address that carries an IPv4 address is judged by the IPv4 address too: a
    translator or tunnel on the path would deliver it there (`embedded_ipv4`).
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        carried = embedded_ipv4(ip)
        if carried:
            return all(v4.is_global and not v4.is_multicast for v4 in carried)
    return ip.is_global and not ip.is_multicast


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215 local-use prefix
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291 §2.5.5.1, deprecated
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 §2.1 (SIIT)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (none when it is a plain IPv6 one).

    IPv4-mapped ``::ffff:a.b.c.d``, IPv4-compatible ``::a.b.c.d``, IPv4-translated
    ``::ffff:0:a.b.c.d``, NAT64 ``64:ff9b::a.b.c.d``, 6to4 ``2002:AABB:CCDD::`` and Teredo
    (its client and server). The local-use NAT64 prefix may be cut at any RFC 6052 length,
    so each position an IPv4 address could hold there counts.
    """
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if ip in _NAT64 or ip in _COMPATIBLE or ip in _TRANSLATED:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in _NAT64_LOCAL:
        return [_rfc6052(int(ip), length) for length in (48, 56, 64, 96)]
    return []


def _rfc6052(value: int, prefix_length: int) -> ipaddress.IPv4Address:
    """The IPv4 address after a `prefix_length`-bit prefix (RFC 6052 §2.2: bits 64-71 skipped)."""
    if prefix_length == 96:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    without_u = (value >> 64) << 56 | value & ((1 << 56) - 1)  # 120 bits
    return ipaddress.IPv4Address(without_u >> (120 - prefix_length - 32) & 0xFFFFFFFF)


_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}\.?$", re.IGNORECASE)


def numeric_host(host: str) -> str | None:
    """The IPv4 address a numeric host denotes in any spelling (octal, hex, decimal, short).

    ``0177.0.0.1``, ``0x7f.1`` and ``2130706433`` all mean 127.0.0.1 to the resolver
    (inet_aton's rules), so they are judged as that address; None for a name.
    """
    if ":" in host:  # an IPv6 literal: urlsplit has already taken off the brackets
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            return None
    if not _NUMERIC_HOST.match(host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host.rstrip(".")))
    except OSError:
        return "0.0.0.0"  # noqa: S104 - unreadable numbers are judged as no public address


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects to the checked address (the TLS name stays the host)."""

    def __init__(self, allowed_hosts: frozenset[str]) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allowed_hosts = allowed_hosts

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        addresses = [str(info[4][0]) for info in infos]
        if host not in self._allowed_hosts and not all(is_public_address(a) for a in addresses):
            raise _NotPublic(f"{host} resolves to an address that is not public")
        return await self._inner.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass
class SafeFetcher:
    """Fetches JSON documents under the rules above.

    Attributes:
        http_hosts: hosts that may be fetched over plain HTTP, and whose addresses may be
            private (a development server on localhost); empty in production.
    """

    http_hosts: frozenset[str] = frozenset()
    max_bytes: int = MAX_BYTES
    per_host: int = 2
    # Seconds on a monotonic clock, for ``max-age`` (tests turn it forward instead of sleeping).
    clock: Callable[[], float] = time.monotonic
    _slots: dict[str, tuple[anyio.Semaphore, int]] = field(default_factory=dict, repr=False)
    _client: httpx.AsyncClient = field(init=False, repr=False)
    _cache: OrderedDict[str, tuple[float, Any]] = field(default_factory=OrderedDict, repr=False)

    def __post_init__(self) -> None:
        transport = httpx.AsyncHTTPTransport(retries=0)
        # httpx takes no network backend argument; its pool does (httpcore's public API).
        transport._pool = httpcore.AsyncConnectionPool(
            network_backend=_GuardedBackend(self.http_hosts), retries=0
        )
        self._client = httpx.AsyncClient(
            transport=transport, timeout=TIMEOUT, follow_redirects=False, trust_env=False
        )

    def forget_all(self) -> None:
        """Drop every cached document."""
        self._cache.clear()

    async def get_json(self, url: str) -> Any:  # noqa: ANN401 - JSON
        """GET `url` and parse JSON, or return a VC-JWT's text; raises FetchError (safe to show)."""
        return await self._cached(url, is_gone_read=False)

    async def get_json_or_gone(self, url: str) -> Any:  # noqa: ANN401 - JSON
        """Like `get_json`, but a ``410 Gone`` is a `Gone` with its JSON body (never cached)."""
        return await self._cached(url, is_gone_read=True)

    async def _cached(self, url: str, *, is_gone_read: bool) -> Any:  # noqa: ANN401 - JSON
        """A document fetched less than its ``max-age`` ago, or fetched now (and kept so long)."""
        cached = self._cache.get(url)
        if cached is not None and cached[0] > self.clock():
            self._cache.move_to_end(url)
            metrics().fetches.labels("cached").inc()
            return cached[1]
        document, max_age = await self._counted(url, is_gone_read=is_gone_read)
        if max_age > 0 and not isinstance(document, Gone):
            self._cache[url] = (self.clock() + max_age, document)
            self._cache.move_to_end(url)
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return document

    async def _counted(self, url: str, *, is_gone_read: bool) -> tuple[Any, int]:
        """`_get`, counted in the fetch metrics by outcome."""
        try:
            found = await self._get(url, is_gone_read=is_gone_read)
        except FetchError as error:
            metrics().fetches.labels(error.outcome).inc()
            raise
        metrics().fetches.labels("gone" if isinstance(found[0], Gone) else "ok").inc()
        return found

    async def _get(self, url: str, *, is_gone_read: bool) -> tuple[Any, int]:
        keep = frozenset({200, 410}) if is_gone_read else frozenset({200})
        url, status, body, headers = await self._follow(url, _ACCEPT, keep)
        if status == 410:
            return Gone(url, _json_or_none(body)), 0
        max_age = _max_age(headers.get("cache-control", ""))
        try:
            return json.loads(body), max_age
        except ValueError:
            # A status list may be published as a VC-JWT: its text is the document.
            if _is_compact_jws(body):
                return body.decode("ascii").strip(), max_age
            raise FetchError(Said("fetch-not-json", url=url), "not_json") from None

    async def get_image(self, url: str, max_bytes: int) -> tuple[bytes, str]:
        """GET a picture under the same rules (redirects, caps); its bytes and media type.

        Never cached: a picture is fetched once, then kept and served by us.
        """
        _, _, body, headers = await self._follow(url, _IMAGES, frozenset({200}), max_bytes)
        media_type = headers.get("content-type", "").split(";")[0]
        return body, media_type.strip().lower()

    async def _follow(
        self, url: str, accept: str, keep: frozenset[int], max_bytes: int | None = None
    ) -> tuple[str, int, bytes, httpx.Headers]:
        """GET `url` under the guard, following redirects: the final URL, status, body, headers.

        Every hop is checked (`_check_url`, and the guarded network backend at connection);
        a final status outside `keep` is a `FetchError`.
        """
        for _ in range(MAX_REDIRECTS + 1):
            self._check_url(url)
            try:
                async with (
                    self._slot(urlsplit(url).netloc),
                    self._client.stream("GET", url, headers={"Accept": accept}) as response,
                ):
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("location", ""))
                        continue
                    if response.status_code not in keep:
                        raise FetchError(
                            Said("fetch-status", url=url, status=response.status_code), "http_error"
                        )
                    body = await self._read(response, max_bytes)
                    return url, response.status_code, body, response.headers
            except httpx.HTTPError as error:
                outcome = "refused" if isinstance(error.__cause__, _NotPublic) else "unreachable"
                raise FetchError(
                    Said("fetch-failed", url=url, reason=str(error)), outcome
                ) from None
            except httpx.InvalidURL as error:
                raise FetchError(
                    Said("fetch-failed", url=url, reason=str(error)), "refused"
                ) from None
        raise FetchError(Said("fetch-redirects", url=url), "redirects")

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """One of the host's `per_host` slots; a host's entry goes once nobody holds it."""
        semaphore, users = self._slots.get(host) or (anyio.Semaphore(self.per_host), 0)
        self._slots[host] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._slots[host]
            if users == 1:
                del self._slots[host]
            else:
                self._slots[host] = (semaphore, users - 1)

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], *, deadline: float = DEADLINE
    ) -> int:
        """POST `body` to `url` under the same rules (no redirect followed); the status code.

        `deadline` bounds the whole exchange (connect, send, the complete answer): the
        per-phase timeouts alone let a receiver that drips a byte at a time hold on forever.
        Raises FetchError when no complete answer came (refused, unsafe address, timeout).
        """
        self._check_url(url)
        try:
            with anyio.fail_after(deadline):
                async with self._client.stream(
                    "POST", url, content=body, headers=headers
                ) as response:
                    await self._read(response)  # drained within the size cap, then dropped
                    return response.status_code
        except TimeoutError:
            raise FetchError(Said("fetch-timeout", url=url, seconds=f"{deadline:g}")) from None
        except httpx.HTTPError as error:
            raise FetchError(Said("fetch-unreachable", url=url, reason=str(error))) from None

    async def close(self) -> None:
        await self._client.aclose()

    def refusal(self, url: str) -> Said | None:
        """Why `url` would be refused whatever DNS says (safe to show), or None."""
        try:
            self._check_url(url)
        except FetchError as error:
            return error.said
        return None

    def _check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            raise FetchError(Said("url-invalid", url=url), "refused") from None
        if not (parts.scheme == "https" or (parts.scheme == "http" and host in self.http_hosts)):
            raise FetchError(Said("fetch-https-only", url=url), "refused")
        if host in self.http_hosts:
            return
        denoted = numeric_host(host)
        if denoted is not None and not is_public_address(denoted):
            raise FetchError(Said("host-not-public", host=host, address=denoted), "refused")
        if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
            # RFC 6761 §6.3: always the loopback, whatever a resolver is asked
            raise FetchError(Said("host-loopback", host=host), "refused")

    async def _read(self, response: httpx.Response, max_bytes: int | None = None) -> bytes:
        limit = self.max_bytes if max_bytes is None else max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(
                Said("fetch-too-large", url=str(response.url), limit=limit), "too_large"
            )
        chunks = bytearray()
        async for chunk in response.aiter_bytes():
            chunks.extend(chunk)
            if len(chunks) > limit:
                raise FetchError(
                    Said("fetch-too-large", url=str(response.url), limit=limit), "too_large"
                )
        return bytes(chunks)


def _max_age(cache_control: str) -> int:
    """Seconds a response may be reused (RFC 9111 §5.2.2), capped; 0 when it may not."""
    directives = [part.strip().lower() for part in cache_control.split(",")]
    if any(d in ("no-store", "no-cache", "private") for d in directives):
        return 0
    for directive in directives:
        name, _, value = directive.partition("=")
        if name == "max-age" and value.strip('"').isdigit():
            return min(int(value.strip('"')), MAX_CACHE_SECONDS)
    return 0


def _json_or_none(body: bytes) -> Any:  # noqa: ANN401 - JSON
    try:
        return json.loads(body)
    except ValueError:
        return None


def _is_compact_jws(body: bytes) -> bool:
    """Three base64url segments (RFC 7515 §7.1), as VC-JWT status lists are served."""
    parts = body.strip().split(b".")
    alphabet = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return len(parts) == 3 and all(part and set(part) <= alphabet for part in parts)


_IMAGES = "image/png, image/svg+xml"
_ACCEPT = (
    "application/did+json, application/vc+ld+json, application/ld+json, application/vc+jwt, "
    "application/json;q=0.9"
)
