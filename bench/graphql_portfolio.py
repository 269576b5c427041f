"""GraphQL portfolio query latency (p50/p99) and statement count, on a 100,000-credential database.

The script makes a PostgreSQL database of its own, migrates it, loads the demo, starts
``insigne serve`` on it (a process of its own, as production runs it), issues one real
credential through the API, then bulk-inserts rows directly (signing 100,000 badges would take
too long): learners with 10, 100 and 1,000 credentials, whose rows copy the real credential's
signed text and evidence, and filler learners (5 credentials each, short placeholder texts) up
to 100,000 credentials in all. For each measured learner it sends the portfolio query (the
first page of 100 credentials with their document, JWT, achievement, issuer and evidence, plus
levels and competencies over every credential) and a summary query (the page's ids, links,
dates, achievement names and issuers, and the levels) over HTTP, one query at a time on one
kept-alive connection, and prints p50, p99 (as this client sees them), the server's CPU time
per query (its process group, from /proc) and the SQL statements one query runs (counted on
the same query through the ASGI app in this process). The client reads each answer's errors
only (its data stays bytes), after the clock stops. Then wrk (a C load generator, a process
of its own, one thread and one connection) sends the same query for ``--wrk-seconds``: its
p50 and p99 are the server's latency without a Python client's own work in it (httpx reads a
1.5 MB answer through h11, in Python), beside the server's CPU per query again.

The reader is a platform the issuer authorised, which may read the reflections; the full
query of the 100-credential learner is then sent again by a platform holding
``portfolio:read`` alone, for which each of the 300 private reflections is a FORBIDDEN error
in the answer.

Then, in this process and interleaved, the full query through the ASGI app beside a baseline:
the same portfolio (the page of 100 with documents, JWTs, achievements, issuers, evidence,
and the levels) read through the same domain services and the same visibility policy, as
plain JSON encoded by msgspec, with no GraphQL executor (what a REST/JSON endpoint would
cost). Its CPU ratio says what the executor (and the app around it) adds; both move together
when other jobs load the machine. The server is stopped and the database dropped, always.

Run with ``uv run --frozen python bench/graphql_portfolio.py [--runs N] [--url URL] [--total N]
[--wrk-seconds N]`` (needs wrk: ``make bench-setup``).
"""

import argparse
import asyncio
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import msgspec
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
from bench.wrk_load import WRK_DIR, read_wrk
from service.app import create_app
from service.db.engine import Database
from service.db.tables import (
    CompletionRecord,
    CredentialRecord,
    EvidenceRecord,
    LearnerRecord,
)
from service.domain.clients.clients import Principal
from service.domain.demo import ISSUER_SLUG
from service.domain.portfolios.standings import highest_levels
from service.runtime import Runtime
from service.serving import GC_THRESHOLD
from service.settings import Settings

T = TypeVar("T")
READER_SCOPES = "portfolio:read credentials:read"
TOTAL = 100_000
SIZES = (10, 100, 1_000)
FILLER_PER_LEARNER = 5
SUMMARY = """query($e: String!) { learner(email: $e) {
  name levels { track level levelName }
  credentials(first: 100) { totalCount nodes {
    id url status awardedAt achievement { name levelName } issuer { name } } } } }"""
QUERY = """query($e: String!) { learner(email: $e) {
  name levels { track level levelName achievement { slug } }
  alignments { code name credentials(first: 5) { totalCount } }
  credentials(first: 100) { totalCount nodes {
    id url status awardedAt validFrom jwt document
    achievement { slug track level alignments { code } issuer { name } }
    issuer { slug did }
    evidence { prompt answer digest }
  } } } }"""


async def issue_template(http: httpx.AsyncClient, client_id: str, secret: str) -> uuid.UUID:
    token = await get_token(http, client_id, secret)
    body = {
        "achievement": "leadership-pedagonumerique-1-explorateur",
        "externalId": "bench-template",
        "learner": {"email": "modele@exemple.qc.ca", "name": "Modèle"},
        "completedAt": "2026-11-20T14:03:12-05:00",
        "shareReflections": False,
        "reflections": [
            {"prompt": key, "answer": f"Réflexion « {key} » : " + "une réponse en français. " * 20}
            for key in ("retenir", "innovation", "impact")
        ],
    }
    response = await http.post(
        "/api/v1/completions", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return uuid.UUID(response.json()["id"])


async def get_token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _columns(record: Any) -> dict[str, Any]:  # noqa: ANN401 - an ORM record
    return {c.key: getattr(record, c.key) for c in record.__table__.columns}


async def fill_credentials(engine: AsyncEngine, template_id: uuid.UUID) -> dict[int, str]:
    """Bulk rows: the measured learners (real texts), then filler to TOTAL credentials."""
    async with engine.begin() as conn:
        credential = (
            await conn.execute(select(CredentialRecord).where(CredentialRecord.id == template_id))
        ).one()
        completion = (
            await conn.execute(
                select(CompletionRecord).where(CompletionRecord.id == credential.completion_id)
            )
        ).one()
        evidence = (
            await conn.execute(
                select(EvidenceRecord).where(EvidenceRecord.completion_id == completion.id)
            )
        ).all()
    plan = [(f"portfolio-{size}@exemple.qc.ca", size, True) for size in SIZES]
    filler = TOTAL - 1 - sum(SIZES)
    plan += [
        (f"autre-{n}@exemple.qc.ca", FILLER_PER_LEARNER, False)
        for n in range(filler // FILLER_PER_LEARNER)
    ]
    if filler % FILLER_PER_LEARNER:
        plan.append(("autre-reste@exemple.qc.ca", filler % FILLER_PER_LEARNER, False))
    index = 1_000
    learners, completions, answers, credentials = [], [], [], []
    now = credential.issued_at
    for email, count, is_real in plan:
        learner_id = uuid.uuid4()
        learners.append({"id": learner_id, "email": email, "created_at": now})
        for _ in range(count):
            completion_id, credential_id = uuid.uuid4(), uuid.uuid4()
            completions.append(
                {
                    **completion._asdict(),
                    "id": completion_id,
                    "external_id": f"bench-{credential_id}",
                    "learner_id": learner_id,
                }
            )
            kept = evidence if is_real else evidence[:1]
            answers += [
                {**e._asdict(), "id": uuid.uuid4(), "completion_id": completion_id} for e in kept
            ]
            index += 1 + (index + 1 == credential.status_index)  # the template's is taken
            credentials.append(
                {
                    **credential._asdict(),
                    "id": credential_id,
                    "completion_id": completion_id,
                    "status_index": index,
                    "signed_json": credential.signed_json if is_real else "{}",
                    "jwt": credential.jwt if is_real else "x",
                }
            )
    async with engine.begin() as conn:
        for table, rows in (
            (LearnerRecord, learners),
            (CompletionRecord, completions),
            (EvidenceRecord, answers),
            (CredentialRecord, credentials),
        ):
            for start in range(0, len(rows), 5_000):
                await conn.execute(insert(table), rows[start : start + 5_000])
    # As the tables stand once autovacuum has been by (hint bits set, visibility map, the
    # planner's statistics), not while it goes through 100,000 new rows beside the queries.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM (ANALYZE)"))
    return {size: email for email, size, is_real in plan if is_real}


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@dataclass(frozen=True)
class Timing:
    """Milliseconds per query, sorted, and this process's CPU milliseconds per query."""

    wall: list[float]
    cpu_ms: float

    def percentile(self, fraction: float) -> float:
        return self.wall[min(len(self.wall) - 1, round(len(self.wall) * fraction))]

    def line(self) -> str:
        return (
            f"p50 {statistics.median(self.wall):6.1f} ms  p99 {self.percentile(0.99):6.1f} ms  "
            f"CPU {self.cpu_ms:5.1f} ms/query"
        )


async def _timed(
    run: Callable[[], Awaitable[T]],
    runs: int,
    cpu_seconds: Callable[[], float],
    check: Callable[[T], object] = lambda _: None,
) -> Timing:
    """`runs` calls in a row; CPU as `cpu_seconds` reads it (this process's, or the server's).

    Each call's result is checked after its clock stops: the check is the bench's work.
    """
    wall: list[float] = []
    cpu = 0.0
    for _ in range(runs):
        cpu_before, started = cpu_seconds(), time.perf_counter()
        result = await run()
        wall.append((time.perf_counter() - started) * 1000)
        cpu += cpu_seconds() - cpu_before
        check(result)
    return Timing(sorted(wall), cpu * 1000 / runs)


class _Answer(msgspec.Struct):
    """What the timed client reads of an answer: its errors (the data is checked, not decoded)."""

    data: msgspec.Raw = msgspec.Raw(b"null")
    errors: list[Any] | None = None


@dataclass(frozen=True)
class _Query:
    """The query as a client sends it (`send`), and the check of its answer (`check`).

    The check reads the answer's errors only, its data left as bytes: decoding the whole
    answer (1.5 MB for a page of 100 signed credentials) would be the client's work. With
    `refused`, FORBIDDEN errors (reflections the caller may not read) are expected.
    """

    http: httpx.AsyncClient
    email: str
    document: str
    refused: bool = False

    async def send(self) -> bytes:
        body = {"query": self.document, "variables": {"e": self.email}}
        response = await self.http.post("/graphql", json=body)
        response.raise_for_status()
        return response.content

    def check(self, content: bytes) -> bytes:
        answer = msgspec.json.decode(content, type=_Answer)
        codes = {e.get("extensions", {}).get("code") for e in answer.errors or ()}
        if codes - ({"FORBIDDEN"} if self.refused else set()) or bytes(answer.data) == b"null":
            raise RuntimeError((answer.errors or ["no data"])[:1])
        return content

    async def __call__(self) -> bytes:
        return self.check(await self.send())


def _plain(runtime: Runtime, principal: Principal, email: str) -> Callable[[], Awaitable[bytes]]:
    """The full query's portfolio as plain JSON: same services and policy, no executor."""

    async def portfolio() -> bytes:
        async with runtime.read(principal) as services:
            read = services.portfolios
            learner = await read.find_learner(email=email)
            page = list(learner.credentials[:100])
            ids = [c.id for c in page]
            forms = await read.signed_forms(ids)
            evidence = await read.evidence(ids)
            held = {c.achievement_id for c in learner.credentials}
            achievements = {a.id: a for a in await read.achievements_by_id(held)}
            issuers = {i.id: i for i in await read.issuers({c.issuer_id for c in page})}
        levels = highest_levels(learner.credentials, achievements)
        return msgspec.json.encode(
            {
                "name": learner.name,
                "levels": [
                    {
                        "track": level.track,
                        "level": level.level,
                        "levelName": level.level_name,
                        "slug": achievements[level.achievement_id].slug,
                    }
                    for level in levels
                ],
                "credentials": {
                    "totalCount": len(learner.credentials),
                    "nodes": [
                        {
                            "id": str(c.id),
                            "url": runtime.urls.credential(c.id),
                            "status": c.status,
                            "awardedAt": c.awarded_at,
                            "validFrom": c.valid_from,
                            "jwt": forms[c.id].jwt,
                            "document": msgspec.Raw(forms[c.id].signed_json),
                            "achievement": {
                                "slug": achievements[c.achievement_id].slug,
                                "track": achievements[c.achievement_id].track,
                                "level": achievements[c.achievement_id].level,
                                "alignments": [
                                    {"code": a.code}
                                    for a in achievements[c.achievement_id].alignments
                                ],
                                "issuer": {"name": issuers[c.issuer_id].name},
                            },
                            "issuer": {
                                "slug": issuers[c.issuer_id].slug,
                                "did": issuers[c.issuer_id].did,
                            },
                            "evidence": [
                                {"prompt": e.prompt, "answer": e.answer, "digest": e.digest}
                                for e in evidence[c.id]
                            ],
                        }
                        for c in page
                    ],
                },
            }
        )

    return portfolio


async def _statement_count(engine: AsyncEngine, run: Callable[[], Awaitable[object]]) -> int:
    with _statements(engine) as seen:
        await run()
    return len(seen)


async def _measure(
    served: httpx.AsyncClient,
    in_process: httpx.AsyncClient,
    engine: AsyncEngine,
    email: str,
    runs: int,
    document: str,
    group: int,
    wrk_seconds: int,
    *,
    refused: bool = False,
) -> str:
    """The query over HTTP, timed with the server's CPU (httpx, then wrk); its statements
    counted in this process."""
    query = _Query(served, email, document, refused)
    for _ in range(10):
        await query()
    count = await _statement_count(engine, _Query(in_process, email, document, refused))
    body = msgspec.json.decode(await query())
    timing = await _timed(query.send, runs, partial(group_cpu_seconds, group), query.check)
    total = body["data"]["learner"]["credentials"]["totalCount"]
    wrk = await asyncio.to_thread(_wrk, query, group, wrk_seconds)
    return f"{total:>6} credentials  {timing.line()}  {count} statements\n{wrk:>85}"


def _wrk(query: _Query, group: int, seconds: int) -> str:
    """wrk's p50 and p99 for the query on one connection, and the server's CPU per query."""
    token = query.http.headers["Authorization"].removeprefix("Bearer ")
    body = json.dumps({"query": query.document, "variables": {"e": query.email}})
    env = {**os.environ, "BENCH_TOKEN": token, "BENCH_PATH": "/graphql", "BENCH_BODY": body}
    command = ["wrk", "--latency", "-t", "1", "-c", "1", "-d", f"{seconds}s"]
    command += ["-s", str(WRK_DIR / "post.lua"), str(query.http.base_url)]
    cpu = group_cpu_seconds(group)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    spent = group_cpu_seconds(group) - cpu
    figure = read_wrk(done.stdout, "graphql")
    requests = re.search(r"(\d+) requests in", done.stdout)
    if figure.failures or requests is None:
        raise SystemExit(f"wrk: {done.stdout}")
    cpu_ms = spent * 1000 / int(requests.group(1))
    return (
        f"wrk, one connection: p50 {figure.p50_ms:6.1f} ms  p99 {figure.p99_ms:6.1f} ms  "
        f"CPU {cpu_ms:5.1f} ms/query"
    )


async def _versus_plain(
    http: httpx.AsyncClient,
    engine: AsyncEngine,
    plain: Callable[[], Awaitable[bytes]],
    email: str,
    runs: int,
    rounds: int,
) -> None:
    """The full query and the plain-JSON baseline, in alternating rounds, and their ratios."""
    query = _Query(http, email, QUERY)
    for _ in range(10):
        await query()
        await plain()
    print(
        f"full query of the 100-credential learner vs plain JSON of the same portfolio "
        f"({await _statement_count(engine, plain)} statements), {rounds} rounds of {runs}:"
    )
    ratios = []
    for number in range(1, rounds + 1):
        graphql = await _timed(query.send, runs, time.process_time, query.check)
        baseline = await _timed(plain, runs, time.process_time)
        ratios.append(graphql.cpu_ms / baseline.cpu_ms)
        print(f"  round {number} GraphQL    {graphql.line()}")
        print(f"  round {number} plain JSON {baseline.line()}  CPU ratio {ratios[-1]:.2f}x")
    print(f"  median CPU ratio GraphQL / plain JSON: {statistics.median(ratios):.2f}x")


def main(postgres_url: str, runs: int, rounds: int, wrk_seconds: int) -> None:
    """A database of its own, migrated with the demo; ``insigne serve`` on it; then the run."""
    with (
        tempfile.TemporaryDirectory(prefix="insigne-portfolio-") as tmp,
        database(Path(tmp), is_sqlite=False, postgres_url=postgres_url) as url,
    ):
        port, log = free_port(), Path(tmp) / "server.log"
        env = server_env(url, Path(tmp), port)
        insigne(env, "db", "upgrade")
        demo = json.loads(insigne(env, "demo"))
        reader = api_client(env, "Portfolio", READER_SCOPES)
        outsider = api_client(env, "Another portfolio", "portfolio:read")
        with server(env, 1, port, log) as process:
            base_url = f"http://{HOST}:{port}"
            try:
                wait_until_ready(base_url, process)
                readers = (reader, outsider)
                asyncio.run(
                    _run(env, base_url, process.pid, demo, readers, (runs, rounds, wrk_seconds))
                )
            except BaseException:
                print_errors(log)
                raise


def api_client(env: dict[str, str], name: str, scopes: str) -> dict[str, str]:
    """An API client of the demo issuer, made with the command line: its id and secret."""
    command = ("clients", "create", "--name", name, "--scope", scopes, "--issuer", ISSUER_SLUG)
    made: dict[str, str] = json.loads(insigne(env, *command))
    return made


def _authorise(token: str, *clients: httpx.AsyncClient) -> None:
    """Every request of these clients from now on carries `token`."""
    for http in clients:
        http.headers["Authorization"] = f"Bearer {token}"


async def _run(
    env: dict[str, str],
    base_url: str,
    group: int,
    demo: dict[str, str],
    readers: tuple[dict[str, str], dict[str, str]],
    sizes: tuple[int, int, int],
) -> None:
    """`readers`: a platform that may read the reflections, and one that may not; `sizes`:
    httpx runs per figure, GraphQL / plain JSON rounds, wrk's seconds per figure."""
    reader, outsider = readers
    runs, rounds, wrk_seconds = sizes
    settings = Settings.from_env(env)
    engine = create_async_engine(settings.database_url, pool_size=10)
    database = Database(engine, owns_engine=False)
    app = create_app(settings, database=database)  # the in-process comparison's own
    transport = httpx.ASGITransport(app=cast("Any", app))
    try:
        async with (
            httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30) as served,
            httpx.AsyncClient(transport=transport, base_url=base_url) as in_process,
        ):
            template = await issue_template(served, demo["clientId"], demo["clientSecret"])
            started = time.perf_counter()
            emails = await fill_credentials(engine, template)
            loaded = time.perf_counter() - started
            print(f"{TOTAL} credentials in the database ({loaded:.0f} s to load)")
            token = await get_token(served, reader["clientId"], reader["clientSecret"])
            _authorise(token, served, in_process)
            runtime = Runtime.build(settings, database=database)  # the baseline's own
            try:
                async with runtime.read() as unit:
                    principal = await unit.clients.principal_for(reader["clientId"])
                gc.collect()
                gc.freeze()  # as a server does after start-up: the loaded rows are not its heap
                gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])  # and as it collects
                print(f"load: {os.getloadavg()[0]:.2f} (1-minute load average), 2 cores")
                print(
                    "served by `insigne serve` (a process of its own), one kept-alive "
                    "connection; CPU: the server's"
                )
                for name, document in (("full", QUERY), ("summary", SUMMARY)):
                    print(f"{name} query:")
                    for size in SIZES:
                        print(
                            await _measure(
                                served,
                                in_process,
                                engine,
                                emails[size],
                                runs,
                                document,
                                group,
                                wrk_seconds,
                            )
                        )
                refusing = await get_token(served, outsider["clientId"], outsider["clientSecret"])
                _authorise(refusing, served, in_process)
                print(
                    "full query as a platform holding portfolio:read alone (every reflection "
                    "private to its earner: 300 FORBIDDEN errors):"
                )
                print(
                    await _measure(
                        served,
                        in_process,
                        engine,
                        emails[100],
                        runs,
                        QUERY,
                        group,
                        wrk_seconds,
                        refused=True,
                    )
                )
                _authorise(token, served, in_process)
                print("in this process (the ASGI app, no HTTP server); CPU: this process's")
                plain = _plain(runtime, principal, emails[100])
                await _versus_plain(in_process, engine, plain, emails[100], runs, rounds)
            finally:
                await runtime.close()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=POSTGRES_URL, help="the PostgreSQL server's")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="GraphQL / plain JSON rounds")
    parser.add_argument("--total", type=int, default=TOTAL, help="credentials in the database")
    parser.add_argument("--wrk-seconds", type=int, default=8, help="wrk's run per figure")
    arguments = parser.parse_args()
    TOTAL = arguments.total
    main(arguments.url, arguments.runs, arguments.rounds, arguments.wrk_seconds)
