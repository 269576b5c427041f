"""The one outbound HTTP client: safe to point at URLs that strangers send us.

Verifying a foreign badge means fetching its issuer's DID document, keys and status lists
from URLs inside the badge. Those URLs are attacker-controlled, so:

* HTTPS only; plain HTTP only for hosts listed in settings (development, tests);
* the address is checked when the connection is made, after DNS resolution, and the socket
  goes to that checked address: private, loopback, link-local (cloud metadata), multicast
  and reserved ranges are refused, so DNS rebinding cannot slip past the check;
* redirects are followed by hand (at most three), each target checked like the first URL;
* timeouts on every phase and a cap on the response size; JSON only;
* a small per-process cache honours ``Cache-Control: max-age`` (``no-store``/``no-cache``
  are not cached), so a burst of verifications of one issuer's badges fetches its keys once.
"""

import ipaddress
import json
import socket
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import anyio
import httpcore
import httpx

from service.domain.errors import UnreachableDocument
from service.domain.fetched import Gone

MAX_BYTES = 1_000_000
MAX_REDIRECTS = 3
MAX_CACHE_SECONDS = 3600
CACHE_ENTRIES = 256
TIMEOUT = httpx.Timeout(5.0, connect=3.0)


class FetchError(UnreachableDocument):
    """A URL could not be fetched safely; the message says why (safe to show)."""


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not private, loopback, metadata…)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


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
            raise httpcore.ConnectError(f"{host} resolves to an address that is not public")
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

    async def get_json(self, url: str) -> Any:  # noqa: ANN401 - JSON
        """GET `url` and parse JSON, or return a VC-JWT's text; raises FetchError (safe to show)."""
        cached = self._cache.get(url)
        if cached is not None and cached[0] > time.monotonic():
            self._cache.move_to_end(url)
            return cached[1]
        document, max_age = await self._get(url, is_gone_read=False)
        if max_age > 0:
            self._cache[url] = (time.monotonic() + max_age, document)
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return document

    async def get_json_or_gone(self, url: str) -> Any:  # noqa: ANN401 - JSON
        """Like `get_json`, but a ``410 Gone`` is a `Gone` with its JSON body (never cached)."""
        cached = self._cache.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        document, _ = await self._get(url, is_gone_read=True)
        return document

    async def _get(self, url: str, *, is_gone_read: bool) -> tuple[Any, int]:
        for _ in range(MAX_REDIRECTS + 1):
            self._check_url(url)
            try:
                async with self._client.stream("GET", url, headers={"Accept": _ACCEPT}) as response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("location", ""))
                        continue
                    if response.status_code == 410 and is_gone_read:
                        return Gone(url, _json_or_none(await self._read(response))), 0
                    if response.status_code != 200:
                        raise FetchError(f"{url} answered {response.status_code}")
                    body = await self._read(response)
                    max_age = _max_age(response.headers.get("cache-control", ""))
            except httpx.HTTPError as error:
                raise FetchError(f"{url} could not be fetched: {error}") from None
            try:
                return json.loads(body), max_age
            except ValueError:
                # A status list may be published as a VC-JWT: its text is the document.
                if _is_compact_jws(body):
                    return body.decode("ascii").strip(), max_age
                raise FetchError(f"{url} did not return JSON or a VC-JWT") from None
        raise FetchError(f"{url}: too many redirects")

    async def close(self) -> None:
        await self._client.aclose()

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https" or (
            parts.scheme == "http" and parts.hostname in self.http_hosts
        ):
            return
        raise FetchError(f"only https URLs are fetched, not {url!r}")

    async def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"{response.url} is larger than {self.max_bytes} bytes")
        chunks = bytearray()
        async for chunk in response.aiter_bytes():
            chunks.extend(chunk)
            if len(chunks) > self.max_bytes:
                raise FetchError(f"{response.url} is larger than {self.max_bytes} bytes")
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


_ACCEPT = (
    "application/did+json, application/vc+ld+json, application/ld+json, application/vc+jwt, "
    "application/json;q=0.9"
)
