"""HTTP throughput and latency of a real ``insigne serve``, beside a ``GET /health`` baseline.

The script makes a database of its own (a fresh PostgreSQL database, or SQLite with
``--sqlite``), migrates it, loads the demo, starts the server as a second process on
127.0.0.1 and, for 1, 10 and 50 concurrent clients, measures:

* ``POST /api/v1/completions``: each request a new completion (unique externalId and
  learner, three French reflections), so each one signs and stores a new badge;
* ``GET /credentials/{id}``: the public JSON-LD of the badges just issued;
* ``GET /health``: the baseline, a handler that does nothing. The load comes from this one
  Python process, so the baseline also bounds what the script itself can measure;
* ``POST /api/v1/verifications`` (with the bench's bearer token) on four inputs: one of the
  credentials just issued, as JSON-LD and as VC-JWT, a foreign JSON-LD credential from the
  shared wild corpus and a foreign VC-JWT signed here (both did:key, resolved locally).
  Beside them, `openbadges.verification.verify` on the same inputs in this process on one
  core, with the own issuer's documents fetched once: the ``vs library`` ratio is the HTTP rate
  over that in-process rate.

It always stops the server and drops the database, even on failure. Run with
``uv run --frozen python bench/http_load.py [--workers N] [--requests N] [--sqlite]``.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import (
    HOST,
    POSTGRES_URL,
    database,
    free_port,
    insigne,
    print_errors,
    server,
    server_env,
    wait_until_ready,
)
from openbadges.dids import did_web_to_url
from openbadges.jsontypes import JSONObject
from openbadges.keys import generate_key_pair
from openbadges.proofs.jwt import decode_jwt_unverified, sign_jwt
from openbadges.resolver import StaticResolver
from openbadges.verification import VerificationResult, verify
from tests.factories import explorer_credential
from tests.service.factories import completion

ROOT = Path(__file__).resolve().parents[1]
LEVELS = (1, 10, 50)
WARM_UP = 5
HEALTH = "GET /health"
COMPLETIONS = "POST /api/v1/completions"
CREDENTIALS = "GET /credentials/{id}"
OWN_LD, OWN_JWT = "verify own JSON-LD", "verify own VC-JWT"
FOREIGN_LD, FOREIGN_JWT = "verify foreign JSON-LD", "verify foreign VC-JWT"
WILD_CORPUS = ROOT.parent / "shared" / "wild-corpus"  # /work/shared beside the project
FOREIGN_CREDENTIAL = WILD_CORPUS / "001-dcc-v2-di-didkey-basic.json"

Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]
Inputs = dict[str, JSONObject | str]  # a verification level's name and what it verifies


@dataclass(frozen=True)
class Probe:
    """One endpoint: how to send a request and what a success looks like."""

    endpoint: str
    send: Send
    expected: int
    is_verification: bool = False

    def find_fault(self, response: httpx.Response) -> str | None:
        """Why the response is not a success, or None: a 200 that did not verify is a fault."""
        if response.status_code != self.expected:
            return f"HTTP {response.status_code}: {response.text[:300]}"
        if self.is_verification and response.json().get("verified") is not True:
            checks = response.json().get("checks", [])
            return f"not verified: {[c for c in checks if c.get('status') == 'failed']}"[:300]
        return None


@dataclass(frozen=True)
class Result:
    """One endpoint at one concurrency level; latencies in seconds, sorted."""

    endpoint: str
    clients: int
    errors: int
    seconds: float
    latencies: tuple[float, ...]
    first_error: str | None

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float | None:
        """Nearest-rank percentile, in milliseconds (None when nothing succeeded)."""
        if not self.latencies:
            return None
        rank = max(1, math.ceil(fraction * len(self.latencies)))
        return self.latencies[rank - 1] * 1000


@dataclass(frozen=True)
class Options:
    workers: int
    requests: int
    time_cap: float
    is_sqlite: bool
    postgres_url: str


def main() -> int:
    options = _parse_options()
    with (
        tempfile.TemporaryDirectory(prefix="insigne-bench-") as tmp,
        database(
            Path(tmp), is_sqlite=options.is_sqlite, postgres_url=options.postgres_url
        ) as database_url,
    ):
        port, log = free_port(), Path(tmp) / "server.log"
        env = server_env(database_url, Path(tmp), port)
        insigne(env, "db", "upgrade")
        demo = json.loads(insigne(env, "demo"))
        with server(env, options.workers, port, log) as process:
            base_url = f"http://{HOST}:{port}"
            try:
                wait_until_ready(base_url, process)
                results, library = asyncio.run(
                    _run_load(base_url, demo["clientId"], demo["clientSecret"], options)
                )
            except BaseException:
                print_errors(log)
                raise
        if any(result.errors for result in results):
            print_errors(log)
    _print_report(results, library, options)
    return 1 if any(result.errors for result in [*results, *library.values()]) else 0


def _parse_options() -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--requests", type=int, default=200, help="requests per level")
    parser.add_argument("--time-cap", type=float, default=60.0, help="seconds per level at most")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="a database to connect to")
    args = parser.parse_args()
    return Options(args.workers, args.requests, args.time_cap, args.sqlite, args.postgres_url)


async def _run_load(
    base_url: str, client_id: str, client_secret: str, options: Options
) -> tuple[list[Result], dict[str, Result]]:
    """Every endpoint at every level, then the library alone on the verification inputs."""
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30) as client:
        token = await _token(client, client_id, client_secret)
    issued: list[JSONObject] = []
    results = [
        await _level(base_url, probe, clients, options)
        for probe in _issuing_probes(token, issued)
        for clients in LEVELS
    ]
    inputs, resolver = await _verification_inputs(base_url, issued[0])
    results += [
        await _level(base_url, _verification_probe(name, data, token), clients, options)
        for name, data in inputs.items()
        for clients in LEVELS
    ]
    library = {
        name: await _library_rate(name, data, resolver, options) for name, data in inputs.items()
    }
    return results, library


def _issuing_probes(token: str, issued: list[JSONObject]) -> list[Probe]:
    """The baseline, then the writes (kept in `issued`), then the reads of what was issued."""
    run = uuid.uuid4().hex[:8]

    async def health(client: httpx.AsyncClient, index: int) -> httpx.Response:
        return await client.get("/health")

    async def record(client: httpx.AsyncClient, index: int) -> httpx.Response:
        body = completion(
            f"bench-{run}-{uuid.uuid4().hex[:12]}",
            learner={"email": f"bench-{uuid.uuid4().hex}@exemple.qc.ca", "name": "Marie Tremblay"},
        )
        response = await client.post(
            "/api/v1/completions", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code == 201:
            issued.append(response.json())
        return response

    async def show(client: httpx.AsyncClient, index: int) -> httpx.Response:
        return await client.get(f"/credentials/{issued[index % len(issued)]['id']}")

    return [
        Probe(HEALTH, health, 200),
        Probe(COMPLETIONS, record, 201),
        Probe(CREDENTIALS, show, 200),
    ]


async def _verification_inputs(base_url: str, own: JSONObject) -> tuple[Inputs, StaticResolver]:
    """The four inputs, and a resolver with the own issuer's documents as the server serves them.

    The foreign ones name did:key issuers, which the library resolves without a document.
    """
    key = generate_key_pair("p256")
    inputs: Inputs = {
        OWN_LD: own["credential"],
        OWN_JWT: own["jwt"],
        FOREIGN_LD: json.loads(FOREIGN_CREDENTIAL.read_text()),
        FOREIGN_JWT: sign_jwt(explorer_credential(key.controller), key),
    }
    issuer = own["credential"]["issuer"]["id"]
    entries = own["credential"]["credentialStatus"]  # one object; a list with opt-in suspension
    status_lists = [entry["statusListCredential"] for entry in _as_list(entries)]
    kid = decode_jwt_unverified(own["jwt"])[0]["kid"]
    locations = {issuer: did_web_to_url(issuer, scheme="http")}
    if not kid.startswith("did:"):  # a DID URL's key is in the DID document fetched above
        locations[kid] = kid
    locations |= {status_list: status_list for status_list in status_lists}
    documents: dict[str, JSONObject] = {}
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30) as client:
        for document_id, location in locations.items():
            response = await client.get(location)
            response.raise_for_status()
            documents[document_id] = response.json()
    return inputs, StaticResolver(documents)


def _as_list(value: Any) -> list[Any]:  # noqa: ANN401 - JSON
    return value if isinstance(value, list) else [value]


def _verification_probe(name: str, data: JSONObject | str, token: str) -> Probe:
    # Encoded once: the client's own JSON encoding stays out of the measured time.
    content = json.dumps({"jwt": data} if isinstance(data, str) else {"credential": data})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def send(client: httpx.AsyncClient, index: int) -> httpx.Response:
        return await client.post("/api/v1/verifications", content=content, headers=headers)

    return Probe(name, send, 200, is_verification=True)


async def _library_rate(
    name: str, data: JSONObject | str, resolver: StaticResolver, options: Options
) -> Result:
    """`verify` called in turn in this process (one core), with the same count and cap."""

    async def verify_now() -> VerificationResult:
        return await verify(data, resolver=resolver, now=datetime.now(UTC))

    for _ in range(WARM_UP):
        await verify_now()
    latencies: list[float] = []
    failures: list[str] = []
    started = time.perf_counter()
    for _ in range(options.requests):
        if time.perf_counter() > started + options.time_cap:
            break
        sent = time.perf_counter()
        report = await verify_now()
        if report.verified:
            latencies.append(time.perf_counter() - sent)
        else:
            failures.append(f"not verified: {[c for c in report.checks if c.status == 'failed']}")
    seconds = time.perf_counter() - started
    first = failures[0][:300] if failures else None
    return Result(name, 1, len(failures), seconds, tuple(sorted(latencies)), first)


async def _token(client: httpx.AsyncClient, client_id: str, client_secret: str) -> str:
    response = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, client_secret)
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def _level(base_url: str, probe: Probe, clients: int, options: Options) -> Result:
    """`clients` concurrent clients share `options.requests` requests, after a warm-up.

    Each client has its own connection, as independent platforms would: one shared
    httpx pool of 50 connections spends more time in its own bookkeeping than the
    server spends on ``/health``. The warm-up opens every connection before the clock
    starts.
    """
    async with contextlib.AsyncExitStack() as stack:
        pool = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=60)
            )
            for _ in range(clients)
        ]
        # One request alone first: state the service makes lazily (an issuer's first status
        # list) is then made outside the concurrent warm-up.
        warm_up = [await probe.send(pool[0], 0)]
        warm_up += await asyncio.gather(
            *(probe.send(pool[i % clients], i) for i in range(1, max(WARM_UP, clients)))
        )
        for response in warm_up:  # a warm-up that fails would make the numbers lie
            if fault := probe.find_fault(response):
                raise SystemExit(f"warm-up of {probe.endpoint} with {clients} clients: {fault}")
        return await _measure(pool, probe, options)


async def _measure(pool: list[httpx.AsyncClient], probe: Probe, options: Options) -> Result:
    indices = iter(range(options.requests))  # one iterator, shared by every client
    latencies: list[float] = []
    failures: list[str] = []
    started = time.perf_counter()
    deadline = started + options.time_cap

    async def loop(client: httpx.AsyncClient) -> None:
        for index in indices:
            if time.perf_counter() > deadline:
                return
            sent = time.perf_counter()
            try:
                response = await probe.send(client, index)
            except httpx.HTTPError as error:
                failures.append(f"{type(error).__name__}: {error}")
                continue
            if fault := probe.find_fault(response):
                failures.append(fault)
            else:
                latencies.append(time.perf_counter() - sent)

    await asyncio.gather(*(loop(client) for client in pool))
    seconds = time.perf_counter() - started
    first = failures[0] if failures else None
    return Result(
        probe.endpoint, len(pool), len(failures), seconds, tuple(sorted(latencies)), first
    )


def _print_report(results: list[Result], library: dict[str, Result], options: Options) -> None:
    backend = "SQLite" if options.is_sqlite else "PostgreSQL"
    print(
        f"insigne serve on {HOST}: {backend}, {options.workers} worker(s), "
        f"{options.requests} requests per level (at most {options.time_cap:.0f} s), "
        f"{os.cpu_count()} CPUs; load from this one Python process (httpx, a connection per client)"
    )
    baseline = {r.clients: r.per_second for r in results if r.endpoint == HEALTH}
    header = f"{'endpoint':26}{'clients':>8}{'ok':>6}{'errors':>7}{'per s':>9}"
    print(header + f"{'p50 ms':>9}{'p99 ms':>9}{'vs /health':>12}{'vs library':>12}")
    for result in results:
        ratio = result.per_second / baseline[result.clients] if baseline[result.clients] else 0
        print(f"{_row(result)}{ratio:11.3f}x{_ratio(result, library.get(result.endpoint))}")
    print(
        "verify = POST /api/v1/verifications with a bearer token; vs library = that rate over "
        "openbadges.verification.verify's below"
    )
    print("library in process: openbadges.verification.verify, one call at a time, one core")
    print(header + f"{'p50 ms':>9}{'p99 ms':>9}")
    for result in library.values():
        print(_row(result))
    for result in [*results, *library.values()]:
        if result.first_error:
            print(f"first error, {result.endpoint} x{result.clients}: {result.first_error}")


def _row(result: Result) -> str:
    return (
        f"{result.endpoint:26}{result.clients:8}{len(result.latencies):6}{result.errors:7}"
        f"{result.per_second:9.1f}{_ms(result.percentile_ms(0.50))}"
        f"{_ms(result.percentile_ms(0.99))}"
    )


def _ratio(result: Result, library: Result | None) -> str:
    if library is None or not library.per_second:
        return ""
    return f"{result.per_second / library.per_second:11.3f}x"


def _ms(value: float | None) -> str:
    return f"{value:9.1f}" if value is not None else f"{'-':>9}"


if __name__ == "__main__":
    sys.exit(main())
