"""HTTP figures measured by wrk, a load generator in a process of its own, beside ``/health``.

For 1 and 2 server processes (``insigne serve --workers N``, and ``--server granian`` when
granian is installed) against a fresh PostgreSQL database, at 50 connections: completions/s
with p50/p99 (each completion unique: bench/wrk/completions.lua), ``GET /credentials/{id}``
of badges just issued and ``GET /health`` in the same run, with each figure's ratio to
``/health``. Needs wrk (``make bench-setup`` installs Debian's). Run with
``uv run --frozen python bench/wrk_load.py [--seconds 10] [--workers 1 2]``.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
from tests.service.factories import completion

WRK_DIR = Path(__file__).resolve().parent / "wrk"
CONNECTIONS = 50
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Figure:
    """What wrk measured for one endpoint."""

    endpoint: str
    per_second: float
    p50_ms: float
    p99_ms: float
    failures: int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--server", default="uvicorn", help="insigne serve --server")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `make bench-setup` (apt-get install wrk)")
    failed = False
    for workers in args.workers:
        figures = _run(workers, args.seconds, args.server)
        _print(workers, args.server, figures)
        failed = failed or any(figure.failures for figure in figures)
    return 1 if failed else 0


def _run(workers: int, seconds: int, server_kind: str) -> list[Figure]:
    with (
        tempfile.TemporaryDirectory(prefix="insigne-wrk-") as tmp,
        database(Path(tmp), is_sqlite=False) as database_url,
    ):
        port, log = free_port(), Path(tmp) / "server.log"
        env = server_env(database_url, Path(tmp), port)
        insigne(env, "db", "upgrade")
        demo = json.loads(insigne(env, "demo"))
        extra = ("--server", server_kind) if server_kind != "uvicorn" else ()
        with server(env, workers, port, log, *extra) as process:
            base_url = f"http://{HOST}:{port}"
            wait_until_ready(base_url, process)
            try:
                return _measure(base_url, demo, seconds)
            except BaseException:
                print_errors(log)
                raise


def _measure(base_url: str, demo: dict[str, str], seconds: int) -> list[Figure]:
    with httpx.Client(base_url=base_url, trust_env=False, timeout=30) as client:
        response = client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(demo["clientId"], demo["clientSecret"]),
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        body = completion("bench-@ID@", learner={"email": "@ID@@exemple.qc.ca", "name": "Marie"})
        env = {"BENCH_TOKEN": token, "BENCH_BODY": json.dumps(body, ensure_ascii=False)}
        health = _wrk(base_url, "get.lua", seconds, {"BENCH_PATHS": "/health"}, "GET /health")
        run = uuid.uuid4().hex[:8]
        completions = _wrk(
            base_url,
            "completions.lua",
            seconds,
            {**env, "BENCH_RUN": run},
            "POST /api/v1/completions",
        )
        paths = _credential_paths(client, token, run)
    reads = _wrk(
        base_url, "get.lua", seconds, {"BENCH_PATHS": "\n".join(paths)}, "GET /credentials/{id}"
    )
    return [health, completions, reads]


def _credential_paths(client: httpx.Client, token: str, run: str) -> list[str]:
    """A few credentials to read: issued here, one more completion each."""
    paths = []
    for n in range(20):
        response = client.post(
            "/api/v1/completions",
            json=completion(
                f"read-{run}-{n}", learner={"email": f"r{n}-{run}@exemple.qc.ca", "name": "Marie"}
            ),
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        paths.append(f"/credentials/{response.json()['id']}")
    return paths


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
    return _parse(done.stdout, endpoint)


def _parse(output: str, endpoint: str) -> Figure:
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


def _print(workers: int, server_kind: str, figures: list[Figure]) -> None:
    health = figures[0].per_second
    print(f"\n{server_kind}, {workers} process(es), {CONNECTIONS} connections (wrk, 2 threads)")
    print(f"{'':28}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}{'vs /health':>12}{'non-2xx':>9}")
    for figure in figures:
        print(
            f"{figure.endpoint:28}{figure.per_second:12.0f}{figure.p50_ms:9.1f}"
            f"{figure.p99_ms:9.1f}{figure.per_second / health:11.2f}x{figure.failures:9}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
