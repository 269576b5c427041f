"""A real server and a real browser: uvicorn on a loopback port, Debian's Chromium via Playwright.

The server runs in a subprocess against a SQLite file with the demo loaded, exactly as
`make run` serves it; Chromium is installed by ``scripts/ensure-chromium.sh`` when missing, and
axe-core comes from npm (``tests/pages/package-lock.json``), installed like the interop harness.
"""

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from service.cli import main
from tests.cli import run_main
from tests.processes import free_port, wait_for
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


# Hostile content: what must never widen a page on a phone.
LONG_URL = "https://exemple.qc.ca/" + "ressources-pedagogiques/" * 5 + "x" * 8
LONG_WORD = "Anticonstitutionnellement" * 12
LONG_ANSWER = (
    f"Voir {LONG_URL} puis {LONG_WORD}. "
    + "Je retiens que le leadership pédagonumérique se vit en équipe ; " * 60
)[:3000]
assert (len(LONG_URL), len(LONG_WORD), len(LONG_ANSWER)) == (150, 300, 3000)
HOSTILE_ISSUER = "emetteur-hostile"
HOSTILE_ACHIEVEMENT = "badge-hostile"


@dataclass(frozen=True)
class Server:
    base: str
    private: dict[str, Any]  # a completion response with private reflections
    shared: dict[str, Any]  # one with shareReflections: true
    hostile: dict[str, Any]  # shared, with a 150-character URL, a 300-character word...
    demo: dict[str, str]  # the demo platform's clientId and clientSecret


def _insigne(env: dict[str, str], *args: str) -> str:
    """``insigne ARGS`` in process (the server itself runs in a process of its own)."""
    ran = run_main(main, args, env=env)
    assert ran.returncode == 0, ran.stderr.decode()
    return ran.stdout.decode()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("pages")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "INSIGNE_DATA_DIR": str(data),
        "INSIGNE_PUBLIC_URL": base,
        "INSIGNE_RATE_LIMIT_ANONYMOUS": "10000/minute",
        "INSIGNE_GRAPHQL_IDE": "1",
    }
    _insigne(env, "db", "upgrade")
    demo = json.loads(_insigne(env, "demo"))
    _hostile_catalogue(env, data)
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"{base}/health", process, data / "server.log")
        yield Server(
            base,
            _issue(base, demo, "e2e-private"),
            _issue(base, demo, "e2e-shared"),
            _issue(
                base,
                demo,
                "e2e-hostile-shared",
                achievement=HOSTILE_ACHIEVEMENT,
                learner={"email": "long@exemple.qc.ca", "name": f"Marie {LONG_WORD[:120]}"},
                reflections=[{"prompt": "long", "answer": LONG_ANSWER}],
            ),
            demo,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _hostile_catalogue(env: dict[str, str], data: Path) -> None:
    """An issuer (its own page) and a badge of the demo issuer's, both full of long strings."""
    _insigne(
        env,
        *("issuers", "create", "--slug", HOSTILE_ISSUER, "--name", f"Réseau {LONG_WORD[:80]}"),
        *("--url", LONG_URL, "--email", "hostile@exemple.qc.ca"),
        *("--description", f"{LONG_ANSWER[:1500]} {LONG_WORD}"),
    )
    definition = {
        "issuer": "reseau-demo",
        "slug": HOSTILE_ACHIEVEMENT,
        "name": f"Badge {LONG_WORD[:100]}",
        "description": f"Voir {LONG_URL} et {LONG_WORD}.",
        "criteria": LONG_ANSWER,
        "track": f"Parcours {LONG_WORD[:60]}",
        "level": 1,
        "levelName": LONG_WORD[:40],
        "prompts": [{"key": "long", "text": {"fr": f"Et {LONG_WORD} ?"}, "maxLength": 5000}],
        "alignments": [
            {
                "framework": LONG_WORD[:100],
                "code": LONG_WORD[:50],
                "name": LONG_WORD[:200],
                "url": LONG_URL,
            }
        ],
        "tags": [LONG_WORD[:50]],
    }
    path = data / "hostile.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    _insigne(env, "achievements", "create", "--file", str(path))


def _issue(base: str, demo: dict[str, str], external_id: str, **changes: Any) -> dict[str, Any]:
    token = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(demo["clientId"], demo["clientSecret"]),
    ).json()["access_token"]
    body = completion(external_id, shareReflections=external_id.endswith("shared"), **changes)
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
