"""The outbound client against real HTTP servers on loopback (allowed by a test setting)."""

import itertools
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service.domain.verification.fetched import Gone
from service.outbound import FetchError, SafeFetcher, is_public_address

COUNTER = itertools.count()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            "/cached": (
                200,
                {"Cache-Control": "public, max-age=60"},
                json.dumps({"n": next(COUNTER)}).encode(),
            ),
            "/list-max-age-60": (
                200,
                {"Cache-Control": "max-age=60"},
                json.dumps({"n": next(COUNTER)}).encode(),
            ),
            "/uncached": (
                200,
                {"Cache-Control": "no-store"},
                json.dumps({"n": next(COUNTER)}).encode(),
            ),
            "/did.json": (
                200,
                {"Content-Type": "application/json"},
                json.dumps({"id": "did:web:x"}).encode(),
            ),
            "/big": (200, {}, b"[" + b"0," * 2_000_000 + b"0]"),
            "/html": (200, {"Content-Type": "text/html"}, b"<html>"),
            "/missing": (404, {}, b""),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
            "/to-https": (302, {"Location": "https://127.0.0.1:1/"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/to-did": (302, {"Location": "/did.json"}, b""),
            "/revoked": (410, {}, json.dumps({"id": "x", "revoked": True}).encode()),
            "/gone": (410, {}, b"<html>Gone</html>"),
            "/to-revoked": (302, {"Location": "/revoked"}, b""),
        }
        status, headers, body = routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up on /big close the connection mid-write


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
async def fetcher() -> SafeFetcher:
    return SafeFetcher(http_hosts=frozenset({"127.0.0.1"}))


async def test_fetches_json_from_an_allowed_host(server: str, fetcher: SafeFetcher) -> None:
    assert await fetcher.get_json(f"{server}/did.json") == {"id": "did:web:x"}


async def test_follows_a_safe_redirect(server: str, fetcher: SafeFetcher) -> None:
    assert await fetcher.get_json(f"{server}/to-did") == {"id": "did:web:x"}


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/big", "larger than"),
        ("/html", "did not return JSON"),
        ("/missing", "answered 404"),
        ("/to-metadata", "only https"),
        ("/loop", "too many redirects"),
    ],
)
async def test_refusals(server: str, fetcher: SafeFetcher, path: str, reason: str) -> None:
    with pytest.raises(FetchError, match=reason):
        await fetcher.get_json(f"{server}{path}")


@pytest.mark.parametrize(
    "url",
    ["http://example.org/did.json", "ftp://example.org/x", "file:///etc/passwd", "gopher://x"],
)
async def test_only_https_unless_allowed(url: str) -> None:
    with pytest.raises(FetchError, match="only https"):
        await SafeFetcher().get_json(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://localhost/",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/",
        "https://10.0.0.1/",
        "https://0.0.0.0/",
    ],
)
async def test_private_addresses_are_refused_at_connection(url: str) -> None:
    with pytest.raises(FetchError, match="not public"):
        await SafeFetcher().get_json(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://[64:ff9b::7f00:1]/",
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",
        "https://[64:ff9b:1::a00:1]/",
        "https://[2002:a9fe:a9fe::1]/",
        "https://[::127.0.0.1]/",
        "https://[::ffff:0:10.0.0.1]/",
        "https://[::ffff:0:7f00:1]/",
    ],
)
async def test_ipv6_spellings_of_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="not public"):
        await SafeFetcher().get_json(url)
    with pytest.raises(FetchError, match="not public"):
        await SafeFetcher().post(url, b"{}", {})


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "2002:7f00:1::1", "::ffff:0:7f00:1"])
async def test_resolved_ipv6_spellings_of_private_addresses_are_refused(address: str) -> None:
    """What a name resolving to such an address meets: the connection-time check."""
    from service.outbound import _GuardedBackend, _NotPublic

    with pytest.raises(_NotPublic):
        await _GuardedBackend(frozenset()).connect_tcp(address, 443)


async def test_a_host_allowed_for_http_is_not_thereby_reachable_over_https_elsewhere(
    server: str,
) -> None:
    with pytest.raises(FetchError, match="not public"):
        await SafeFetcher(http_hosts=frozenset({"127.0.0.1"})).get_json("https://localhost:1/")


@pytest.mark.parametrize(
    ("address", "is_public"),
    [
        ("8.8.8.8", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("100.64.0.1", False),
        ("2606:4700:4700::1111", True),
        ("224.0.0.1", False),
        # IPv6 spellings that carry an IPv4 address are judged by that address
        ("64:ff9b::7f00:1", False),  # NAT64 well-known prefix, 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # 169.254.169.254
        ("64:ff9b::808:808", True),  # 8.8.8.8
        ("64:ff9b:1::a00:1", False),  # local-use NAT64, 10.0.0.1 as /96
        ("64:ff9b:1:a00:0:100::", False),  # 10.0.0.1 as /48
        ("64:ff9b:1:808:8:800::", False),  # 8.8.8.8 as /48, but 0.0.0.0 as /96: local use
        ("2002:7f00:1::1", False),  # 6to4, 127.0.0.1
        ("2002:c0a8:101::", False),  # 192.168.1.1
        ("2002:808:808::1", True),
        ("::7f00:1", False),  # IPv4-compatible ::127.0.0.1
        ("::a00:1", False),
        ("::808:808", True),
        ("::ffff:0:7f00:1", False),  # IPv4-translated ::ffff:0:127.0.0.1
        ("::ffff:0:c0a8:101", False),
        ("::ffff:0:808:808", True),
        ("2001:0:4136:e378:8000:63bf:3f57:fef6", False),  # Teredo: client 192.168.1.9
    ],
)
def test_public_addresses(address: str, is_public: bool) -> None:
    assert is_public_address(address) is is_public


async def test_cache_control_max_age_is_honoured(server: str, fetcher: SafeFetcher) -> None:
    first, second = [await fetcher.get_json(f"{server}/cached") for _ in range(2)]
    third, fourth = [await fetcher.get_json(f"{server}/uncached") for _ in range(2)]

    assert first == second
    assert third != fourth


class Clock:
    """A monotonic clock the test turns forward: max-age is checked without sleeping."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("read", ["get_json", "get_json_or_gone"])
async def test_a_document_is_fetched_again_after_its_max_age_and_not_before(
    server: str, read: str
) -> None:
    clock = Clock()
    fetcher = SafeFetcher(http_hosts=frozenset({"127.0.0.1"}), clock=clock)
    get = getattr(fetcher, read)
    url = f"{server}/list-max-age-60"

    first = await get(url)
    clock.now += 59.9
    within = await get(url)
    clock.now += 0.2  # 60.1 s after the first fetch
    after = await get(url)
    again = await get(url)

    assert within == first  # the server counts its answers: no request was made
    assert after["n"] > first["n"]
    assert again == after
    await fetcher.close()


@pytest.mark.parametrize(
    ("host", "denoted"),
    [
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0", "0.0.0.0"),  # noqa: S104 - an address under test, not a binding
        ("10.0.1", "10.0.0.1"),
        ("169.254.169.254", "169.254.169.254"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("exemple.ca", None),
        ("1.example", None),
    ],
)
def test_numeric_hosts_are_read_as_the_resolver_reads_them(host: str, denoted: str | None) -> None:
    from service.outbound import numeric_host

    assert numeric_host(host) == denoted


async def test_a_410_is_an_answer_only_when_asked_for(server: str, fetcher: SafeFetcher) -> None:
    revoked = await fetcher.get_json_or_gone(f"{server}/to-revoked")
    gone = await fetcher.get_json_or_gone(f"{server}/gone")

    assert revoked == Gone(f"{server}/revoked", {"id": "x", "revoked": True})
    assert gone == Gone(f"{server}/gone", None)
    assert await fetcher.get_json_or_gone(f"{server}/did.json") == {"id": "did:web:x"}
    with pytest.raises(FetchError, match="answered 410"):
        await fetcher.get_json(f"{server}/revoked")
    with pytest.raises(FetchError, match="answered 404"):
        await fetcher.get_json_or_gone(f"{server}/missing")
