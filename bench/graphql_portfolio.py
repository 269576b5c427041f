"""GraphQL portfolio query latency (p50/p99) and statement count, on a 100,000-credential database.

The script makes a PostgreSQL schema of its own, migrates it, loads the demo, issues one real
credential through the API, then bulk-inserts rows directly (signing 100,000 badges would take
too long): learners with 10, 100 and 1,000 credentials, whose rows copy the real credential's
signed text and evidence, and filler learners (5 credentials each, short placeholder texts) up
to 100,000 credentials in all. For each measured learner it runs the portfolio query (the first
page of 100 credentials with their document, JWT, achievement, issuer and evidence, plus levels
and competencies over every credential) and a summary query (the page's ids, links, dates,
achievement names and issuers, and the levels) through the ASGI app in this process, and prints
p50, p99, this process's CPU time per query and the SQL statements one query runs. The timed
client reads each answer's errors only (its data stays bytes): decoding 1.5 MB of signed
credentials is the client's work, not the server's, and the baseline below decodes nothing.

Beside the full query, in the same run and interleaved with it, a baseline: the same portfolio
(the page of 100 with documents, JWTs, achievements, issuers, evidence, and the levels) read
through the same domain services and the same visibility policy, as plain JSON encoded by
msgspec, with no GraphQL executor (what a REST/JSON endpoint would cost). Its ratio says what
the executor adds; both move together when other jobs load the machine. The schema is always
dropped.

Run with ``uv run --frozen python bench/graphql_portfolio.py [--runs N] [--url URL] [--total N]``.
"""

import argparse
import asyncio
import gc
import os
import secrets
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import httpx
import msgspec
from alembic import command
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from service.app import create_app
from service.db.engine import Database, alembic_config
from service.db.tables import (
    CompletionRecord,
    CredentialRecord,
    EvidenceRecord,
    LearnerRecord,
)
from service.domain.clients.clients import Principal
from service.domain.demo import ISSUER_SLUG, load_demo
from service.domain.portfolios.standings import highest_levels
from service.runtime import Runtime
from service.serving import GC_THRESHOLD
from service.settings import Settings

PUBLIC_URL = "http://localhost:8000"
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


def _upgrade(connection: Connection, url: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def _issue_template(http: httpx.AsyncClient, client_id: str, secret: str) -> uuid.UUID:
    token = await _token(http, client_id, secret)
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


async def _token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _columns(record: Any) -> dict[str, Any]:  # noqa: ANN401 - an ORM record
    return {c.key: getattr(record, c.key) for c in record.__table__.columns}


async def _fill(engine: AsyncEngine, template_id: uuid.UUID) -> dict[int, str]:
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
        await conn.execute(text("ANALYZE"))
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


async def _timed(run: Callable[[], Awaitable[object]], runs: int) -> Timing:
    wall: list[float] = []
    cpu = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        await run()
        wall.append((time.perf_counter() - started) * 1000)
    return Timing(sorted(wall), (time.process_time() - cpu) * 1000 / runs)


class _Answer(msgspec.Struct):
    """What the timed client reads of an answer: its errors (the data is checked, not decoded)."""

    data: msgspec.Raw = msgspec.Raw(b"null")
    errors: list[Any] | None = None


def _graphql(http: httpx.AsyncClient, email: str, document: str) -> Callable[[], Awaitable[Any]]:
    """The query as a client sends it; the answer's errors are read, its data left as bytes.

    Decoding the whole answer (1.5 MB for a page of 100 signed credentials) would add the
    client's work to the server's in this process's CPU time; the baseline decodes nothing.
    """

    async def query() -> bytes:
        response = await http.post("/graphql", json={"query": document, "variables": {"e": email}})
        response.raise_for_status()
        answer = msgspec.json.decode(response.content, type=_Answer)
        if answer.errors or bytes(answer.data) == b"null":
            raise RuntimeError((answer.errors or ["no data"])[:1])
        return response.content

    return query


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
            achievements = {
                a.id: a
                for a in await read.achievements({c.achievement_id for c in learner.credentials})
            }
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
                            "validFrom": forms[c.id].valid_from,
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
    http: httpx.AsyncClient, engine: AsyncEngine, email: str, runs: int, document: str
) -> str:
    query = _graphql(http, email, document)
    for _ in range(10):
        await query()
    count = await _statement_count(engine, query)
    body = msgspec.json.decode(await query())
    timing = await _timed(query, runs)
    total = body["data"]["learner"]["credentials"]["totalCount"]
    return f"{total:>6} credentials  {timing.line()}  {count} statements"


async def _versus_plain(
    http: httpx.AsyncClient,
    engine: AsyncEngine,
    plain: Callable[[], Awaitable[bytes]],
    email: str,
    runs: int,
    rounds: int,
) -> None:
    """The full query and the plain-JSON baseline, in alternating rounds, and their ratios."""
    query = _graphql(http, email, QUERY)
    for _ in range(10):
        await query()
        await plain()
    print(
        f"full query of the 100-credential learner vs plain JSON of the same portfolio "
        f"({await _statement_count(engine, plain)} statements), {rounds} rounds of {runs}:"
    )
    ratios = []
    for number in range(1, rounds + 1):
        graphql, baseline = await _timed(query, runs), await _timed(plain, runs)
        ratios.append(graphql.cpu_ms / baseline.cpu_ms)
        print(f"  round {number} GraphQL    {graphql.line()}")
        print(f"  round {number} plain JSON {baseline.line()}  CPU ratio {ratios[-1]:.2f}x")
    print(f"  median CPU ratio GraphQL / plain JSON: {statistics.median(ratios):.2f}x")


async def main(url: str, runs: int, rounds: int) -> None:
    schema = f"insigne_bench_{secrets.token_hex(6)}"
    engine = create_async_engine(
        url, connect_args={"server_settings": {"search_path": schema}}, pool_size=10
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            await conn.commit()
            await conn.run_sync(_upgrade, url)
            await conn.commit()
        settings = Settings(
            database_url=url,
            public_url=PUBLIC_URL,
            key_encryption_key=secrets.token_bytes(32),
            token_secret=secrets.token_bytes(32),
            rate_limit_authenticated="1000000/minute",
        )
        database = Database(engine, owns_engine=False)
        runtime = Runtime.build(settings, database=database)
        try:
            async with runtime.write() as unit:
                demo = await load_demo(unit)
                reader = await unit.clients.create(
                    name="Portfolio",
                    scopes={"portfolio:read", "credentials:read"},
                    issuer_slugs={ISSUER_SLUG},
                    actor="bench",
                )
        finally:
            await runtime.close()
        app = create_app(settings, database=database)
        transport = httpx.ASGITransport(app=cast("Any", app))
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
            template = await _issue_template(http, demo.client_id, demo.client_secret)
            started = time.perf_counter()
            emails = await _fill(engine, template)
            loaded = time.perf_counter() - started
            print(f"{TOTAL} credentials in the database ({loaded:.0f} s to load)")
            http.headers["Authorization"] = "Bearer " + await _token(
                http, reader.client_id, reader.client_secret
            )
            runtime = Runtime.build(settings, database=database)  # the baseline's own
            async with runtime.read() as unit:
                principal = await unit.clients.principal_for(reader.client_id)
            gc.collect()
            gc.freeze()  # as a server does after start-up: the loaded rows are not its heap
            gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])  # and as it collects
            print(f"load: {os.getloadavg()[0]:.2f} (1-minute load average), 2 cores")
            for name, document in (("full", QUERY), ("summary", SUMMARY)):
                print(f"{name} query:")
                for size in SIZES:
                    print(await _measure(http, engine, emails[size], runs, document))
            plain = _plain(runtime, principal, emails[100])
            try:
                await _versus_plain(http, engine, plain, emails[100], runs, rounds)
            finally:
                await runtime.close()
    finally:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await conn.commit()
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="GraphQL / plain JSON rounds")
    parser.add_argument("--total", type=int, default=TOTAL, help="credentials in the database")
    arguments = parser.parse_args()
    TOTAL = arguments.total
    asyncio.run(main(arguments.url, arguments.runs, arguments.rounds))
