"""CPU per completion, server and PostgreSQL, beside a lean baseline run in the same session.

Serves ``insigne serve`` and ``bench/lean_completion.py`` (a bare ASGI endpoint doing the same
checks, signatures and writes with raw asyncpg) twice, its write as one statement as
Insigne's (``lean``) and in one statement per row as the issue's prototype (``lean 14``: 14
round trips), on one fresh PostgreSQL database, loads each
in turn with wrk (a process of its own, unique completions: bench/wrk/completions.lua), and
reads from /proc the CPU the server's processes and the PostgreSQL backends serving the bench
database spent (utime + stime before and after each run): CPU per request for both, and the
ratio. Runs are interleaved (Insigne, lean, lean 14, then lean, lean 14, Insigne…: each takes
each place in a round in turn) so that a busy neighbour weighs on all; each figure is the
median of its runs. Then:

- ``--grow``: the same figures after 100,000 and 1,000,000 credentials (and their learners,
  completions and audit events, written in bulk by SQL shaped as the service writes them) in
  full status lists of 131,072, so that the service starts a new list (a rollover) right after
  each step; PostgreSQL CPU per completion is printed beside the empty database's.
- ``--workers``: completions/s of ``insigne serve --workers 2`` against one process, loaded
  alternately at the same connections, and the ratio.

Background PostgreSQL processes (WAL writer, checkpointer, autovacuum) are not counted: only
the client backends of the bench database, and each run starts from a CHECKPOINT, so that each
pays the same full-page writes. Run with ``uv run --frozen python bench/completion_cpu.py [--grow]
[--workers]`` (needs wrk: ``make bench-setup``).
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import (
    HOST,
    POSTGRES_URL,
    ROOT,
    TICKS,
    cpu_ticks,
    database,
    free_port,
    group_cpu_seconds,
    insigne,
    print_errors,
    server,
    stop,
    wait_until_ready,
)
from bench.server import server_env as base_env
from tests.service.factories import completion

WRK_DIR = Path(__file__).resolve().parent / "wrk"
LIST_SIZE = 131_072


@dataclass(frozen=True)
class Sample:
    """One wrk run against one server: requests, and CPU milliseconds spent on them."""

    requests: int
    failures: int
    seconds: float
    server_ms: float
    postgres_ms: float
    load_ms: float  # wrk's own CPU: it shares the machine's cores with the servers

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def server_per_request(self) -> float:
        return self.server_ms / max(self.requests, 1)

    @property
    def postgres_per_request(self) -> float:
        return self.postgres_ms / max(self.requests, 1)

    @property
    def total_per_request(self) -> float:
        return self.server_per_request + self.postgres_per_request

    @property
    def load_per_request(self) -> float:
        return self.load_ms / max(self.requests, 1)


@dataclass
class Target:
    """A server under test: where it listens and the process group it runs in."""

    name: str
    base_url: str
    process: subprocess.Popen[bytes]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per server")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--grow", action="store_true", help="measure at 100k and 1M too")
    parser.add_argument("--workers", action="store_true", help="1 vs 2 server processes")
    parser.add_argument(
        "--server", choices=("uvicorn", "granian"), default="uvicorn", help="insigne serve --server"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `make bench-setup` (apt-get install wrk)")
    print(
        f"load: {os.getloadavg()[0]:.2f} (1-minute load average before the runs), "
        f"{os.cpu_count()} cores"
    )
    with (
        tempfile.TemporaryDirectory(prefix="insigne-cpu-") as tmp,
        database(Path(tmp), is_sqlite=False) as url,
    ):
        return _bench(Path(tmp), url, args)


def _bench(tmp: Path, url: str, args: argparse.Namespace) -> int:
    ports = {name: free_port() for name in ("insigne", "lean", "lean 14", "insigne x2")}
    env = base_env(url, tmp, ports["insigne"])
    insigne(env, "db", "upgrade")
    demo = json.loads(insigne(env, "demo"))
    name = make_url(url).database or ""
    with contextlib.ExitStack() as stack:
        targets = [
            stack.enter_context(_insigne(env, tmp, ports["insigne"], 1, args.server)),
            stack.enter_context(_lean(env, tmp, ports["lean"])),
            stack.enter_context(_lean(env, tmp, ports["lean 14"], write="steps")),
        ]
        token = platform_token(targets[0].base_url, demo)
        for target in targets:  # the first completion starts the status list; warm both
            _warm(target, token)
        results = _interleaved(targets, token, name, args)
        _print_cpu("empty database", results)
        failures = sum(s.failures for samples in results.values() for s in samples)
        if args.grow:
            empty = statistics.median(s.postgres_per_request for s in results["insigne"])
            grown = {0: results}
            for total in (100_000, 1_000_000):
                asyncio.run(_grow_to(url, demo, total))
                for target in targets:
                    _warm(target, token)  # the next list starts: a rollover
                grown[total] = _interleaved(targets, token, name, args)
                _print_cpu(f"after {total:,} credentials", grown[total])
            _print_growth(grown, empty)
        if args.workers:
            for target in targets:
                stop(target.process)
            two = stack.enter_context(_insigne(env, tmp, ports["insigne x2"], 2, args.server))
            one = stack.enter_context(
                _insigne(env, tmp, ports["insigne"], 1, args.server, fresh=True)
            )
            _warm(two, token)
            _warm(one, token)
            _print_scaling(_interleaved([one, two], token, name, args, connections=32))
    return 1 if failures else 0


@contextlib.contextmanager
def _insigne(
    env: dict[str, str], tmp: Path, port: int, workers: int, kind: str, *, fresh: bool = False
) -> Iterator[Target]:
    log = tmp / f"insigne-{workers}-{port}-{int(fresh)}.log"
    with server(env, workers, port, log, "--server", kind) as process:
        target = Target(
            "insigne" if workers == 1 else f"insigne x{workers}", f"http://{HOST}:{port}", process
        )
        _ready(target, log)
        yield target


@contextlib.contextmanager
def _lean(env: dict[str, str], tmp: Path, port: int, write: str = "statement") -> Iterator[Target]:
    """The lean baseline: its write as one statement (as Insigne's), or in 14 round trips."""
    name = "lean" if write == "statement" else "lean 14"
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "bench.lean_completion:app",
        "--host", HOST, "--port", str(port), "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    log = tmp / f"{name.replace(' ', '-')}.log"
    lean_env = {**env, "LEAN_WRITE": write}
    with started(name, port, command, lean_env, ROOT, log, "/api/v1/completions") as lean:
        yield lean


@contextlib.contextmanager
def started(
    name: str, port: int, command: list[str], env: dict[str, str], cwd: Path, log: Path, path: str
) -> Iterator[Target]:
    """A server started in a process group of its own (its CPU is counted), once `path` answers."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            target = Target(name, f"http://{HOST}:{port}", process)
            _ready(target, log, path=path)
            yield target
        finally:
            stop(process)


def _ready(target: Target, log: Path, path: str = "/ready") -> None:
    if path == "/ready":
        wait_until_ready(target.base_url, target.process, timeout=240)
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if target.process.poll() is not None:
            print_errors(log)
            raise SystemExit(f"{target.name} stopped before it was ready")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(target.base_url + path, timeout=2, trust_env=False)
            return
        time.sleep(0.2)
    raise SystemExit(f"{target.name} was not ready")


def platform_token(base_url: str, demo: dict[str, str], timeout: float = 5.0) -> str:
    """A bearer token for the demo platform, from the server at `base_url`."""
    response = httpx.post(
        base_url + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(demo["clientId"], demo["clientSecret"]),
        trust_env=False,
        timeout=timeout,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _warm(target: Target, token: str) -> None:
    """A few completions first: the list starts, pools fill, caches warm."""
    run = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=target.base_url, trust_env=False, timeout=30) as client:
        for n in range(20):
            body = completion(
                f"warm-{run}-{n}", learner={"email": f"w{n}-{run}@exemple.qc.ca", "name": "Marie"}
            )
            response = client.post(
                "/api/v1/completions", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code != 201:
                raise SystemExit(f"{target.name}: {response.status_code} {response.text[:300]}")


def _interleaved(
    targets: list[Target],
    token: str,
    database_name: str,
    args: argparse.Namespace,
    connections: int | None = None,
) -> dict[str, list[Sample]]:
    results: dict[str, list[Sample]] = {target.name: [] for target in targets}
    for number in range(args.rounds):
        # Each round starts with the next target: a run's place in the round weighs on its
        # PostgreSQL figure (seen: the first two of four runs of a round up to twice the last
        # two, whichever server ran), so each target takes each place in turn.
        turn = number % len(targets)
        for target in targets[turn:] + targets[:turn]:
            clients = connections or args.connections

            def load(url: str, clients: int = clients) -> str:
                return _wrk(url, token, args.seconds, clients)

            results[target.name].append(
                asyncio.run(sample(target, load, database_name, args.seconds))
            )
    return results


async def sample(
    target: Target, load: Callable[[str], str], database_name: str | None, seconds: int
) -> Sample:
    """One wrk run by `load` (given the base URL, it returns wrk's output), and its CPU.

    PostgreSQL's backends are counted only when the target uses the bench database.
    """
    monitor = await asyncpg.connect(POSTGRES_URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        if database_name:
            # After a checkpoint, the first change to each page writes the whole page to the
            # WAL, in the backend that makes it: every run starts from one, so that no run
            # pays those writes for another (they made one run in three look twice as dear).
            await monitor.execute("CHECKPOINT")
        backends_before = await _backends(monitor, database_name) if database_name else {}
        server_before = group_cpu_seconds(target.process.pid)
        started = time.perf_counter()
        load_before = _children_ms()
        output = await asyncio.to_thread(load, target.base_url)
        load_after = _children_ms()
        elapsed = time.perf_counter() - started
        server_after = group_cpu_seconds(target.process.pid)
        backends_after = await _backends(monitor, database_name) if database_name else {}
    finally:
        await monitor.close()
    requests = re.search(r"(\d+) requests in", output)
    failures = re.search(r"non2xx (\d+)", output)
    if requests is None or failures is None:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    postgres = sum(ticks - backends_before.get(pid, 0) for pid, ticks in backends_after.items())
    return Sample(
        requests=int(requests.group(1)),
        failures=int(failures.group(1)),
        seconds=min(elapsed, float(seconds)),
        server_ms=(server_after - server_before) * 1000,
        postgres_ms=postgres * 1000 / TICKS,
        load_ms=load_after - load_before,
    )


def _children_ms() -> float:
    """CPU of this process's ended children (each wrk run, once it ended), in milliseconds."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def _wrk(base_url: str, token: str, seconds: int, connections: int) -> str:
    body = completion("cpu-@ID@", learner={"email": "@ID@@exemple.qc.ca", "name": "Marie"})
    env = {
        **os.environ,
        "BENCH_TOKEN": token,
        "BENCH_BODY": json.dumps(body, ensure_ascii=False),
        "BENCH_RUN": uuid.uuid4().hex[:8],
    }
    command = [
        "wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s",
        "-s", str(WRK_DIR / "completions.lua"), base_url,
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


async def _backends(monitor: asyncpg.Connection, database_name: str) -> dict[int, int]:
    """CPU ticks of each PostgreSQL backend serving a client on the bench database.

    Autovacuum's workers are left out: they clean up after every target's inserts, whichever
    target happens to be running when one starts.
    """
    pids = await monitor.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
        database_name,
    )
    return {row["pid"]: cpu_ticks(row["pid"]) for row in pids}


async def _grow_to(url: str, demo: dict[str, str], total: int) -> None:
    """Bulk credentials, as the service writes them, in full lists, up to `total`."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        have = await connection.fetchval("SELECT count(*) FROM credentials")
        client, achievement, issuer, version = await connection.fetchrow(
            "SELECT clients.id, achievements.id, achievements.issuer_id, achievements.version"
            " FROM clients, achievements WHERE clients.client_id = $1"
            " ORDER BY achievements.level LIMIT 1",
            demo["clientId"],
        )
        sample = await connection.fetchrow("SELECT signed_json, jwt FROM credentials LIMIT 1")
        started = time.perf_counter()
        await connection.execute(_UUID7)
        remaining = total - have
        while remaining > 0:
            batch = min(remaining, LIST_SIZE)
            sequence = await connection.fetchval(
                "SELECT max(sequence) + 1 FROM status_lists WHERE issuer_id = $1", issuer
            )
            list_id = uuid.uuid4()
            async with connection.transaction():
                await connection.execute(
                    "INSERT INTO status_lists (id, issuer_id, purpose, sequence, size, signed_json,"
                    " version, created_at, signed_at, allocated, slot_key) SELECT $1, $2,"
                    " 'revocation', $3, $4, signed_json, 1, now(), now(), $4, $5"
                    " FROM status_lists WHERE issuer_id = $2 LIMIT 1",
                    list_id, issuer, sequence, LIST_SIZE, uuid.uuid4().hex,
                )  # fmt: skip
                tag = uuid.uuid4().hex[:8]
                await connection.execute(_BULK, batch, tag, client, achievement, issuer, version,
                                         list_id, sample["signed_json"], sample["jwt"])  # fmt: skip
            remaining -= batch
        await connection.execute("ANALYZE")
        print(f"\ngrew to {total:,} credentials in {time.perf_counter() - started:.0f} s")
        plan = await connection.fetch(f"EXPLAIN (COSTS OFF) {_TAKE_SQL}", issuer)
        print("the slot statement's plan (no credential is read):")
        print("\n".join(f"  {row[0]}" for row in plan))
    finally:
        await connection.close()


# The statement Insigne takes a status index with (`service.domain.credentials.status_lists._TAKE`).
_TAKE_SQL = (
    "UPDATE status_lists SET allocated = allocated + 1 WHERE issuer_id = $1"
    " AND purpose IN ('revocation') AND sequence = (SELECT max(older.sequence)"
    " FROM status_lists AS older WHERE older.issuer_id = $1"
    " AND older.purpose = status_lists.purpose) AND allocated < size AND slot_key IS NOT NULL"
    " RETURNING id, purpose, sequence, size, allocated, slot_key"
)

# Row ids as the service makes them (`service.db.ids`: UUIDv7, time-ordered): a timestamp
# `ms_ago` milliseconds before the statement's start, then random bits (version 7, variant 2).
_UUID7 = """
CREATE OR REPLACE FUNCTION pg_temp.uuid7(ms_ago bigint) RETURNS uuid AS $$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING substring(
        int8send((extract(epoch FROM statement_timestamp()) * 1000)::bigint - ms_ago)
        FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$ LANGUAGE sql VOLATILE
"""

# Learners, completions, credentials and audit events, one of each per credential, with the
# columns and unique keys the service fills (the signed text copied from a real credential).
_BULK = """
WITH numbers AS (
    SELECT n, pg_temp.uuid7($1 - n) AS learner, pg_temp.uuid7($1 - n) AS completion,
           pg_temp.uuid7($1 - n) AS credential, pg_temp.uuid7($1 - n) AS event
    FROM generate_series(0, $1 - 1) AS n
), learners AS (
    INSERT INTO learners (id, email, did, created_at)
    SELECT learner, 'bulk-' || $2 || '-' || n || '@exemple.qc.ca', NULL, now() FROM numbers
), completions AS (
    INSERT INTO completions (id, client_id, external_id, idempotency_key, fingerprint,
        learner_id, learner_name, achievement_id, completed_at, share_reflections, created_at,
        achievement_version)
    SELECT completion, $3, 'bulk-' || $2 || '-' || n, NULL, md5(n::text) || md5($2),
        learner, 'Marie', $4, now(), false, now(), $6 FROM numbers
), credentials AS (
    INSERT INTO credentials (id, completion_id, issuer_id, signed_json, jwt, status,
        status_list_id, status_index, issued_at, manage_token_hash, evidence_public, hidden)
    SELECT credential, completion, $5, $8, $9, 'active', $7, n, now(), md5(n::text), false, false
    FROM numbers
)
INSERT INTO audit_events (id, at, actor, action, subject, detail, issuer)
SELECT event, now(), 'bench', 'credential.issue', credential::text, '{}'::jsonb, NULL
FROM numbers
"""


def _print_cpu(title: str, results: dict[str, list[Sample]]) -> None:
    print(f"\n{title}: CPU per completion, median of {len(next(iter(results.values())))} runs")
    print(f"{'':12}{'per second':>11}{'server ms':>11}{'postgres ms':>13}{'total ms':>10}"
          f"{'non-2xx':>9}")  # fmt: skip
    medians = {}
    for name, samples in results.items():
        server_ms = statistics.median(s.server_per_request for s in samples)
        postgres_ms = statistics.median(s.postgres_per_request for s in samples)
        total = statistics.median(s.total_per_request for s in samples)
        rate = statistics.median(s.per_second for s in samples)
        failures = sum(s.failures for s in samples)
        medians[name] = total
        print(f"{name:12}{rate:11.0f}{server_ms:11.2f}{postgres_ms:13.2f}{total:10.2f}"
              f"{failures:9}")  # fmt: skip
    for lean in ("lean", "lean 14"):
        if lean not in medians:
            continue
        ratios = [
            a.total_per_request / b.total_per_request
            for a, b in zip(results["insigne"], results[lean], strict=True)
        ]
        rounds = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"Insigne / {lean}, total CPU: {medians['insigne'] / medians[lean]:.2f}x "
              f"(per round: {rounds}; goal <= 1.5x, 4 ms)")  # fmt: skip


def _print_growth(grown: dict[int, dict[str, list[Sample]]], empty: float) -> None:
    print("\nPostgreSQL CPU per completion as the credentials grow (Insigne, median)")
    for total, results in grown.items():
        postgres = statistics.median(s.postgres_per_request for s in results["insigne"])
        lean = statistics.median(s.postgres_per_request for s in results["lean"])
        print(f"{total:>10,} credentials: {postgres:6.2f} ms ({postgres / empty:.2f}x empty; "
              f"lean {lean:.2f} ms)")  # fmt: skip


def _print_scaling(results: dict[str, list[Sample]]) -> None:
    """The 1 → 2 process ratio, and the most this machine allows it (its cores are shared).

    Two processes, PostgreSQL and wrk share every core: at most cores × 1000 / (server +
    PostgreSQL + wrk ms) completions per second. Over the one process's measured rate, that
    is the most the ratio can reach here, however well the processes scale.
    """
    one = statistics.median(s.per_second for s in results["insigne"])
    two = statistics.median(s.per_second for s in results["insigne x2"])
    per_round = [
        b.per_second / a.per_second
        for a, b in zip(results["insigne"], results["insigne x2"], strict=True)
    ]
    print("\ncompletions/s, 32 connections, interleaved runs (median)")
    print(f"1 process: {one:.0f}/s, 2 processes: {two:.0f}/s: {two / one:.2f}x "
          f"(per round: {', '.join(f'{r:.2f}' for r in per_round)}; goal >= 1.6)")  # fmt: skip
    samples = results["insigne x2"]
    server = statistics.median(s.server_per_request for s in samples)
    postgres = statistics.median(s.postgres_per_request for s in samples)
    load = statistics.median(s.load_per_request for s in samples)
    cores = os.cpu_count() or 1
    most = cores * 1000 / (server + postgres + load)
    print(f"CPU per completion with 2 processes: server {server:.2f} ms, PostgreSQL "
          f"{postgres:.2f} ms, wrk {load:.2f} ms; {cores} cores serve at most {most:.0f}/s, "
          f"so the ratio can reach at most {most / one:.2f}x here")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
