"""Verification of an own badge over HTTP beside the library verifying it in process.

The script makes a database of its own (PostgreSQL, or SQLite with ``--sqlite``), migrates it,
loads the demo, starts ``insigne serve`` (one process) on 127.0.0.1, issues a badge, then for
each of ``--rounds`` interleaved rounds measures, on the same own badge (JSON-LD and VC-JWT):

* the library: `openbadges.verification.verify` in this process, one call at a time, with the
  issuer's DID document and status lists fetched once from the server (a `StaticResolver`):
  wall time and CPU time (this process's) per call;
* HTTP: ``POST /api/v1/verifications`` from this process (a separate one: the load is not
  the server's own), one request at a time on one kept-alive connection: wall time per
  request, and the server's CPU time per request (its process group, from /proc).

Each round prints both and their ratios (HTTP / library): the goal is at most 1.25. Other
jobs on the machine move the absolute figures; the ratios of one round are measured under the
same load. The server and the database are dropped at the end, even on failure.

Run with ``uv run --frozen python bench/verify_http.py [--rounds N] [--requests N] [--sqlite]``.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.http_load import OWN_JWT, OWN_LD, _verification_inputs
from bench.server import (
    HOST,
    POSTGRES_URL,
    database,
    free_port,
    group_cpu_seconds,
    insigne,
    print_errors,
    server,
    server_env,
    wait_until_ready,
)
from openbadges.jsontypes import JSONObject
from openbadges.resolver import StaticResolver
from openbadges.verification import verify
from tests.service.factories import completion

WARM_UP = 20


@dataclass(frozen=True)
class Figure:
    """Milliseconds per verification: wall clock and CPU (HTTP: the server's CPU)."""

    wall_ms: float
    cpu_ms: float


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--requests", type=int, default=300, help="verifications per round")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute load average before the run), 2 cores")
    with (
        tempfile.TemporaryDirectory(prefix="insigne-verify-") as tmp,
        database(Path(tmp), is_sqlite=args.sqlite, postgres_url=args.postgres_url) as url,
    ):
        port, log = free_port(), Path(tmp) / "server.log"
        env = server_env(url, Path(tmp), port)
        insigne(env, "db", "upgrade")
        demo = json.loads(insigne(env, "demo"))
        with server(env, 1, port, log) as process:
            base_url = f"http://{HOST}:{port}"
            try:
                wait_until_ready(base_url, process)
                asyncio.run(_run(base_url, demo, process.pid, args.rounds, args.requests))
            except BaseException:
                print_errors(log)
                raise
    return 0


async def _run(base_url: str, demo: dict[str, str], group: int, rounds: int, count: int) -> None:
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30) as client:
        token = await _token(client, demo)
        response = await client.post(
            "/api/v1/completions",
            json=completion("bench-verify", learner={"email": "v@exemple.qc.ca", "name": "Marie"}),
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        inputs, resolver = await _verification_inputs(base_url, response.json())
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        ratios: dict[str, list[tuple[float, float]]] = {OWN_LD: [], OWN_JWT: []}
        print(
            f"{'round':<6}{'input':<20}{'library wall/CPU ms':>22}{'HTTP wall/server CPU ms':>26}"
            f"{'ratio wall':>12}{'ratio CPU':>11}"
        )
        for number in range(1, rounds + 1):
            for name in (OWN_LD, OWN_JWT):
                data = inputs[name]
                body = json.dumps({"jwt": data} if isinstance(data, str) else {"credential": data})
                library = await _library(data, resolver, count)
                http = await _http(client, body, headers, group, count)
                wall, cpu = http.wall_ms / library.wall_ms, http.cpu_ms / library.cpu_ms
                ratios[name].append((wall, cpu))
                print(
                    f"{number:<6}{name:<20}{library.wall_ms:>11.2f} / {library.cpu_ms:<8.2f}"
                    f"{http.wall_ms:>14.2f} / {http.cpu_ms:<9.2f}{wall:>10.2f}x{cpu:>10.2f}x"
                )
        for name, pairs in ratios.items():
            print(
                f"{name}: median over rounds, HTTP / library = "
                f"{statistics.median(w for w, _ in pairs):.2f}x wall, "
                f"{statistics.median(c for _, c in pairs):.2f}x CPU (goal <= 1.25x)"
            )


async def _token(client: httpx.AsyncClient, demo: dict[str, str]) -> str:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(demo["clientId"], demo["clientSecret"]),
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def _library(data: JSONObject | str, resolver: StaticResolver, count: int) -> Figure:
    for _ in range(WARM_UP):
        await verify(data, resolver=resolver, now=datetime.now(UTC))
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        report = await verify(data, resolver=resolver, now=datetime.now(UTC))
        if not report.verified:
            raise SystemExit(f"the library did not verify the own badge: {report.checks}")
    return Figure(
        (time.perf_counter() - wall) * 1000 / count, (time.process_time() - cpu) * 1000 / count
    )


async def _http(
    client: httpx.AsyncClient, body: str, headers: dict[str, str], group: int, count: int
) -> Figure:
    async def send() -> None:
        response = await client.post("/api/v1/verifications", content=body, headers=headers)
        if response.status_code != 200 or response.json().get("verified") is not True:
            raise SystemExit(f"the server did not verify the own badge: {response.text[:500]}")

    for _ in range(WARM_UP):
        await send()
    wall, cpu = time.perf_counter(), group_cpu_seconds(group)
    for _ in range(count):
        await send()
    return Figure(
        (time.perf_counter() - wall) * 1000 / count,
        (group_cpu_seconds(group) - cpu) * 1000 / count,
    )


if __name__ == "__main__":
    raise SystemExit(main())
