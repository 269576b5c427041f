"""``insigne serve`` as deployed: a server process on a loopback port, under each server.

What only the served process shows: whose address a request comes from (the ASGI server
must not rewrite it from ``X-Forwarded-For`` before ``INSIGNE_TRUSTED_PROXIES`` is asked),
and how long a slow client may hold a connection.
"""

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
ANONYMOUS_LIMIT = 3
HEADERS_SECONDS = 1.0
BODY_SECONDS = 2.0


@dataclass(frozen=True)
class Served:
    base: str
    host: str
    port: int
    server: str


@contextmanager
def _serving(server: str, data: Path, env_extra: dict[str, str] | None = None) -> Iterator[Served]:
    """`insigne serve` in a subprocess on a free loopback port, until the block ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "INSIGNE_DATA_DIR": str(data),
        "INSIGNE_PUBLIC_URL": base,
        "INSIGNE_RATE_LIMIT_ANONYMOUS": f"{ANONYMOUS_LIMIT}/hour",
        "INSIGNE_WEBHOOK_WORKER": "0",
    }
    env.pop("INSIGNE_TRUSTED_PROXIES", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    env.update(env_extra or {})
    subprocess.run(
        [sys.executable, "-m", "service", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=True,
    )
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "service", "serve", "--port", str(port)),
            *("--server", server),
            *("--headers-timeout", str(HEADERS_SECONDS), "--body-timeout", str(BODY_SECONDS)),
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"{base}/health", process, data / "server.log")
        yield Served(base, "127.0.0.1", port, server)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module", params=["uvicorn", "granian"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with _serving(request.param, tmp_path_factory.mktemp("served")) as running:
        yield running


def test_a_forwarded_for_header_from_an_untrusted_peer_changes_no_address(served: Served) -> None:
    """Loopback is no trusted proxy unless INSIGNE_TRUSTED_PROXIES says so: one bucket."""
    statuses = [_verify_forwarded(served.base, n) for n in range(ANONYMOUS_LIMIT + 1)]

    assert 429 not in statuses[:ANONYMOUS_LIMIT], statuses
    assert statuses[ANONYMOUS_LIMIT] == 429, statuses


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_a_trusted_proxy_is_believed(server: str, tmp_path: Path) -> None:
    """With loopback listed in INSIGNE_TRUSTED_PROXIES, each forwarded address is its own."""
    with _serving(server, tmp_path, {"INSIGNE_TRUSTED_PROXIES": "127.0.0.1"}) as running:
        statuses = [_verify_forwarded(running.base, n) for n in range(ANONYMOUS_LIMIT + 1)]

    assert 429 not in statuses, statuses


def _verify_forwarded(base: str, n: int) -> int:
    """A verification's status, sent as forwarded for 203.0.113.`n`.

    A 408 means the server's 1-second head deadline ran out before it read the request (a
    loaded CI machine): the request never reached the app or its rate limit, so it is sent
    again, as RFC 9110 lets a client do.
    """
    for _ in range(3):
        status = httpx.get(
            f"{base}/api/v1/verifications",
            params={"url": "https://10.0.0.1/badge.json"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            timeout=10,
        ).status_code
        if status != 408:
            return status
    return status


def _held(
    served: Served, sent: Iterable[bytes], interval: float, limit: float = 15
) -> tuple[float, bytes]:
    """Send `sent` a piece every `interval` s; how long until the server hung up, what it said."""
    received = b""
    with socket.create_connection((served.host, served.port), timeout=interval) as connection:
        started = time.monotonic()
        for piece in sent:
            try:
                connection.sendall(piece)
                data = connection.recv(4096)
            except TimeoutError:
                data = None
            except OSError:
                break
            if data == b"":
                break
            received += data or b""
            if time.monotonic() - started > limit:
                break
        return time.monotonic() - started, received


def test_headers_sent_a_byte_at_a_time_are_cut_off(served: Served) -> None:
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    drip = itertools.chain([head], itertools.repeat(b"X-Lent: a\r\n"))

    held, answer = _held(served, drip, interval=0.25)

    assert held < HEADERS_SECONDS + 2, f"{served.server} held slow headers for {held:.1f} s"
    assert b"200 OK" not in answer


def test_a_silent_connection_is_cut_off(served: Served) -> None:
    held, _ = _held(served, itertools.repeat(b""), interval=0.25)

    assert held < HEADERS_SECONDS + 2, f"{served.server} held a silent connection {held:.1f} s"


def test_a_body_sent_a_byte_at_a_time_is_cut_off(served: Served) -> None:
    if served.server == "granian":
        pytest.skip("granian has no body timeout (its HTTP/1 settings time out headers only)")
    head = (
        b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
    )
    drip = itertools.chain([head, b"grant_type=client_credentials&scope="], itertools.repeat(b"a"))

    held, answer = _held(served, drip, interval=0.25)

    assert held < HEADERS_SECONDS + BODY_SECONDS + 2, f"held a slow body for {held:.1f} s"
    assert answer.startswith(b"HTTP/1.1 408")


def test_a_prompt_client_on_a_kept_alive_connection_is_served(served: Served) -> None:
    with httpx.Client(base_url=served.base, timeout=10) as client:
        first = client.get("/health")
        time.sleep(HEADERS_SECONDS + 0.5)  # idle between requests: keep-alive's own timeout
        second = client.post("/api/v1/verifications", json={"jwt": "a.b.c"})

    assert first.status_code == 200
    assert second.status_code < 500
