"""A real server and a real browser: uvicorn on a loopback port, Debian's Chromium via Playwright.

The server runs in a subprocess against a SQLite file with the demo loaded, exactly as
`make run` serves it; Chromium is installed by ``scripts/ensure-chromium.sh`` when missing, and
axe-core comes from npm (``tests/pages/package-lock.json``), installed like the interop harness.
"""

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.service.factories import completion

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Server:
    base: str
    private: dict[str, Any]  # a completion response with private reflections
    shared: dict[str, Any]  # one with shareReflections: true
    demo: dict[str, str]  # the demo platform's clientId and clientSecret


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _insigne(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("pages")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "INSIGNE_DATA_DIR": str(data),
        "INSIGNE_PUBLIC_URL": base,
        "INSIGNE_RATE_LIMIT_ANONYMOUS": "10000/minute",
    }
    _insigne(env, "db", "upgrade")
    demo = json.loads(_insigne(env, "demo"))
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(base)
        yield Server(
            base, _issue(base, demo, "e2e-private"), _issue(base, demo, "e2e-shared"), demo
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _issue(base: str, demo: dict[str, str], external_id: str) -> dict[str, Any]:
    token = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(demo["clientId"], demo["clientSecret"]),
    ).json()["access_token"]
    body = completion(external_id, shareReflections=external_id.endswith("shared"))
    response = httpx.post(
        f"{base}/api/v1/completions", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    issued: dict[str, Any] = response.json()
    return issued


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped: sync Playwright runs an event loop of its own while it is open, which
    must be closed before the async tests of the other modules run on theirs."""
    script = ROOT / "scripts" / "ensure-chromium.sh"
    subprocess.run(["/bin/sh", str(script)], check=True, timeout=900)
    with sync_playwright() as playwright:
        yield _launch(playwright)


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed with ``npm ci`` when node_modules is missing or stale."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed for the accessibility audit (axe-core)")
    lock = HERE / "package-lock.json"
    with lock.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        stamp = HERE / "node_modules" / ".package-lock.json"
        if not AXE.exists() or not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=600
            )
    return AXE.read_text()
