"""HTTP figures measured by wrk, a load generator in a process of its own, beside baselines.

For 1 and 2 server processes (``insigne serve --workers N --server S``) against a fresh
PostgreSQL database, at 50 connections: ``GET /health`` (the baseline), completions/s with
p50/p99 (each completion unique: bench/wrk/completions.lua), ``GET /credentials/{id}`` of badges
just issued, and ``POST /api/v1/verifications`` of an own badge (JSON-LD); each figure's ratio
to ``/health`` in the same run, the verification rate's ratio to the library verifying the
same input in this process (`openbadges.verification.verify`, one core, documents fetched
once), the scaling from one process to two, and the SQL statements one completion and one
read run (counted in this process on the same database, through the app in process).

The server's rate limits are set far above the load, explicitly (`bench.server.UNLIMITED`):
the bench measures the service, not its limiter; production keeps its defaults. Needs wrk
(``make bench-setup`` installs Debian's). Run with
``uv run --frozen python bench/wrk_load.py [--seconds 10] [--workers 1 2] [--server granian]``.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.http_load import _verification_inputs
from bench.server import (
    HOST,
    database,
    free_port,
    insigne,
    print_errors,
    server,
    server_env,
    wait_until_ready,
)
from openbadges.jsontypes import JSONObject
from openbadges.resolver import StaticResolver
from openbadges.verification import verify
from service.app import create_app
from service.db.engine import Database
from service.serving import SERVERS
from service.settings import Settings
from tests.service.factories import completion

WRK_DIR = Path(__file__).resolve().parent / "wrk"
CONNECTIONS = 50
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
HEALTH, COMPLETIONS = "GET /health", "POST /api/v1/completions"
READS, VERIFICATIONS = "GET /credentials/{id}", "POST /api/v1/verifications (own)"


@dataclass(frozen=True)
class Figure:
    """What wrk measured for one endpoint."""

    endpoint: str
    per_second: float
    p50_ms: float
    p99_ms: float
    failures: int


@dataclass(frozen=True)
class Run:
    """One server configuration's figures, and the in-process baselines of the same run."""

    workers: int
    figures: dict[str, Figure]
    library_per_second: float
    statements: tuple[int, int]  # per completion, per credential read


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--server", choices=SERVERS, default="uvicorn")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `make bench-setup` (apt-get install wrk)")
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute load average before the runs)")
    runs = [_run(workers, args.seconds, args.server) for workers in args.workers]
    for run in runs:
        _print(run, args.server)
    if len(runs) > 1:
        _print_scaling(runs)
    return 1 if any(f.failures for run in runs for f in run.figures.values()) else 0


def _run(workers: int, seconds: int, server_kind: str) -> Run:
    with (
        tempfile.TemporaryDirectory(prefix="insigne-wrk-") as tmp,
        database(Path(tmp), is_sqlite=False) as database_url,
    ):
        port, log = free_port(), Path(tmp) / "server.log"
        env = server_env(database_url, Path(tmp), port)
        insigne(env, "db", "upgrade")
        demo = json.loads(insigne(env, "demo"))
        with server(env, workers, port, log, "--server", server_kind) as process:
            base_url = f"http://{HOST}:{port}"
            wait_until_ready(base_url, process)
            try:
                figures, own, resolver = _measure(base_url, demo, seconds)
            except BaseException:
                print_errors(log)
                raise
        library = asyncio.run(_library_rate(own, resolver, seconds))
        statements = asyncio.run(_statements(env, demo))
    return Run(workers, figures, library, statements)


def _measure(
    base_url: str, demo: dict[str, str], seconds: int
) -> tuple[dict[str, Figure], JSONObject, StaticResolver]:
    with httpx.Client(base_url=base_url, trust_env=False, timeout=30) as client:
        token = _token(client, demo)
        body = completion("bench-@ID@", learner={"email": "@ID@@exemple.qc.ca", "name": "Marie"})
        env = {"BENCH_TOKEN": token, "BENCH_BODY": json.dumps(body, ensure_ascii=False)}
        health = _wrk(base_url, "get.lua", seconds, {"BENCH_PATHS": "/health"}, HEALTH)
        run = uuid.uuid4().hex[:8]
        completions = _wrk(
            base_url, "completions.lua", seconds, {**env, "BENCH_RUN": run}, COMPLETIONS
        )
        issued = _issue_some(client, token, run)
    own = cast("JSONObject", issued[0]["credential"])
    inputs, resolver = asyncio.run(_verification_inputs(base_url, issued[0]))
    paths = "\n".join(f"/credentials/{award['id']}" for award in issued)
    reads = _wrk(base_url, "get.lua", seconds, {"BENCH_PATHS": paths}, READS)
    verification = {
        "BENCH_TOKEN": token,
        "BENCH_PATH": "/api/v1/verifications",
        "BENCH_BODY": json.dumps({"credential": inputs["verify own JSON-LD"]}),
    }
    verifications = _wrk(base_url, "post.lua", seconds, verification, VERIFICATIONS)
    figures = [health, completions, reads, verifications]
    return {figure.endpoint: figure for figure in figures}, own, resolver


def _token(client: httpx.Client, demo: dict[str, str]) -> str:
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(demo["clientId"], demo["clientSecret"]),
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _issue_some(client: httpx.Client, token: str, run: str) -> list[dict[str, Any]]:
    """A few credentials to read and verify: issued here, one more completion each."""
    issued = []
    for n in range(20):
        response = client.post(
            "/api/v1/completions",
            json=completion(
                f"read-{run}-{n}", learner={"email": f"r{n}-{run}@exemple.qc.ca", "name": "Marie"}
            ),
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        issued.append(response.json())
    return issued


async def _library_rate(own: JSONObject, resolver: StaticResolver, seconds: int) -> float:
    """`verify` of the same own credential in this process, one call at a time (one core)."""
    for _ in range(5):
        await verify(own, resolver=resolver, now=datetime.now(UTC))
    count, started = 0, time.perf_counter()
    while time.perf_counter() < started + min(seconds, 5):
        report = await verify(own, resolver=resolver, now=datetime.now(UTC))
        if not report.verified:
            raise SystemExit(f"the library did not verify the own badge: {report.checks}")
        count += 1
    return count / (time.perf_counter() - started)


async def _statements(env: dict[str, str], demo: dict[str, str]) -> tuple[int, int]:
    """SQL statements of one completion and of one credential read, through the app."""
    settings = Settings.from_env(env)
    db = Database.from_url(settings.database_url)
    seen: list[str] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _count(_connection: Connection, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    app = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=cast("Any", app))
    try:
        async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:
            response = await client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(demo["clientId"], demo["clientSecret"]),
            )
            headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
            learner = {"email": "c@exemple.qc.ca", "name": "Marie"}
            for _ in range(2):  # the first warms the process's key cache, as under load
                body = completion(f"count-{uuid.uuid4().hex}", learner=learner)
                seen.clear()
                issued = await client.post("/api/v1/completions", json=body, headers=headers)
                issued.raise_for_status()
            per_completion = len(seen)
            seen.clear()
            (await client.get(f"/credentials/{issued.json()['id']}")).raise_for_status()
            return per_completion, len(seen)
    finally:
        await db.close()


def _wrk(base_url: str, script: str, seconds: int, env: dict[str, str], endpoint: str) -> Figure:
    command = [
        "wrk",
        "--latency",
        "-t",
        "2",
        "-c",
        str(CONNECTIONS),
        "-d",
        f"{seconds}s",
        "-s",
        str(WRK_DIR / script),
        base_url,
    ]
    done = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    return read_wrk(done.stdout, endpoint)


def read_wrk(output: str, endpoint: str) -> Figure:
    """What wrk printed (run with ``--latency`` and a script that counts non-2xx answers)."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", output, re.MULTILINE)
    failures = re.search(r"non2xx (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if rate is None or p50 is None or p99 is None or failures is None:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    if socket_errors:
        print(f"{endpoint}: socket errors {socket_errors.group(1)}")
    return Figure(
        endpoint,
        float(rate.group(1)),
        float(p50.group(1)) * _UNITS[p50.group(2)],
        float(p99.group(1)) * _UNITS[p99.group(2)],
        int(failures.group(1)),
    )


def _print(run: Run, server_kind: str) -> None:
    health = run.figures[HEALTH].per_second
    print(f"\n{server_kind}, {run.workers} process(es), {CONNECTIONS} connections (wrk, 2 threads)")
    print(f"{'':36}{'per second':>11}{'p50 ms':>9}{'p99 ms':>9}{'vs /health':>12}{'non-2xx':>9}")
    for figure in run.figures.values():
        print(
            f"{figure.endpoint:36}{figure.per_second:11.0f}{figure.p50_ms:9.1f}"
            f"{figure.p99_ms:9.1f}{figure.per_second / health:11.2f}x{figure.failures:9}"
        )
    verifications = run.figures[VERIFICATIONS].per_second
    print(
        f"{'library verify, in process':36}{run.library_per_second:11.0f}"
        f"{'':18}  HTTP/library {verifications / run.library_per_second:.2f}x (goal >= 0.80)"
    )
    completions, reads = run.statements
    print(f"SQL statements: {completions} per completion, {reads} per credential read")


def _print_scaling(runs: list[Run]) -> None:
    first, last = runs[0], runs[-1]
    print(f"\nscaling, {first.workers} -> {last.workers} processes (per second, same endpoint)")
    for endpoint, figure in first.figures.items():
        ratio = last.figures[endpoint].per_second / figure.per_second
        print(f"{endpoint:36}{ratio:11.2f}x")


if __name__ == "__main__":
    raise SystemExit(main())
