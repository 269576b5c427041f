"""The badge page's requests per second and p50/p99 beside the JSON endpoint's.

Starts ``insigne serve`` on a loopback port against a SQLite file of its own with the demo
loaded and one badge issued, then loads it from a *separate* Python process (httpx, bounded in
count and time) on the same URL as a browser (``Accept: text/html``) and as a machine (JSON-LD),
and on the baked PNG and the link-preview card. Run with
``uv run --frozen python bench/pages.py [--requests N] [--concurrency N]``.
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.service.factories import completion  # noqa: E402 - after the path is set

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def _load(url: str, accept: str, requests: int, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    queue = iter(range(requests))
    deadline = time.monotonic() + 120

    async def worker(client: httpx.AsyncClient) -> None:
        for _ in queue:
            if time.monotonic() > deadline:
                return
            start = time.perf_counter()
            response = await client.get(url, headers={"Accept": accept})
            response.raise_for_status()
            latencies.append(time.perf_counter() - start)

    async with httpx.AsyncClient(timeout=30) as client:
        await client.get(url, headers={"Accept": accept})  # warm the caches
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def _issue(base: str, demo: dict[str, str]) -> str:
    token = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(demo["clientId"], demo["clientSecret"]),
    ).json()["access_token"]
    response = httpx.post(
        f"{base}/api/v1/completions",
        json=completion("bench-page"),
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    url: str = response.json()["url"]
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--load", nargs=2, metavar=("URL", "ACCEPT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:  # the load generator, in its own process
        url, accept = args.load
        result = asyncio.run(_load(url, accept, args.requests, args.concurrency))
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as data:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "INSIGNE_DATA_DIR": data, "INSIGNE_PUBLIC_URL": base}
        _cli(env, "db", "upgrade")
        demo = json.loads(_cli(env, "demo"))
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            url = _issue(base, demo)
            print(f"{args.requests} requests, {args.concurrency} concurrent, one server process")
            print(f"{'endpoint':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
            for name, target, accept in (
                ("badge page (text/html)", url, BROWSER),
                ("credential JSON-LD", url, "application/vc+ld+json"),
                ("baked PNG", f"{url}.png", "image/png"),
                ("link-preview card", f"{url}/card.png", "image/png"),
                ("health (baseline)", f"{base}/health", "application/json"),
            ):
                out = subprocess.run(
                    [
                        *(sys.executable, __file__, "--load", target, accept),
                        *("--requests", str(args.requests), "--concurrency", str(args.concurrency)),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=300,
                ).stdout
                r = json.loads(out)
                print(f"{name:<32}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
