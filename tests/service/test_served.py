"""``insigne serve`` as deployed: a server process on a loopback port, under each server.

What only the served process shows: whose address a request comes from (the ASGI server
must not rewrite it from ``X-Forwarded-For`` before ``INSIGNE_TRUSTED_PROXIES`` is asked).
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ANONYMOUS_LIMIT = 3


@dataclass(frozen=True)
class Served:
    base: str
    host: str
    port: int
    server: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


@pytest.fixture(scope="module", params=["uvicorn", "granian"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("served")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "INSIGNE_DATA_DIR": str(data),
        "INSIGNE_PUBLIC_URL": base,
        "INSIGNE_RATE_LIMIT_ANONYMOUS": f"{ANONYMOUS_LIMIT}/minute",
        "INSIGNE_WEBHOOK_WORKER": "0",
    }
    env.pop("INSIGNE_TRUSTED_PROXIES", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
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
        [sys.executable, "-m", "service", "serve", "--port", str(port), "--server", request.param],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(base, process)
        yield Served(base, "127.0.0.1", port, request.param)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_forwarded_for_header_from_an_untrusted_peer_changes_no_address(served: Served) -> None:
    """Loopback is no trusted proxy unless INSIGNE_TRUSTED_PROXIES says so: one bucket."""
    statuses = [
        httpx.get(
            f"{served.base}/api/v1/verifications",
            params={"url": "https://10.0.0.1/badge.json"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            timeout=10,
        ).status_code
        for n in range(ANONYMOUS_LIMIT + 1)
    ]

    assert 429 not in statuses[:ANONYMOUS_LIMIT], statuses
    assert statuses[ANONYMOUS_LIMIT] == 429, statuses
