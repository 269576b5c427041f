"""DataLoaders: a constant number of statements per portfolio, and no session shared by tasks."""

import asyncio
import gc
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from schema.executor import PortfolioExecutor, _Step
from schema.ids import cursor
from service.app import create_app
from service.db.tables import CredentialRecord, LearnerRecord
from service.domain.catalogue.achievements import NewAchievement
from service.domain.demo import EXPLORER
from service.domain.portfolios.portfolios import EvidenceItem, SignedForms
from service.runtime import Runtime
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.schema.conftest import Run, codes, issue, run_graphql
from tests.schema.factories import copy_credentials
from tests.service.conftest import (
    PUBLIC_URL,
    Getter,
    MakeClient,
    asgi,
    database_for,
    load_demo_into,
    services,
)
from tests.threads import worker_threads

PORTFOLIO = """query($e: String!) { learner(email: $e) {
  name levels { level achievement { slug } }
  alignments { code credentials(first: 5) { totalCount } }
  credentials(first: 100) { totalCount nodes {
    id url status validFrom jwt document
    achievement { slug track alignments { code } issuer { name } }
    issuer { slug }
    evidence { prompt digest }
  } } } }"""


@contextmanager
def statements(database: ScratchDatabase) -> Iterator[list[str]]:
    """The SQL statements run meanwhile (transaction control left out)."""
    seen: list[str] = []

    def record(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        word = statement.lstrip().split(" ", 1)[0].upper()
        if word not in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"):
            seen.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _more_achievements(session: AsyncSession, runtime: Runtime) -> list[uuid.UUID]:
    unit = services(session, runtime)
    issuer = await unit.issuers.find("reseau-demo")
    assert issuer is not None
    made = []
    for level, name in ((2, "Praticien"), (3, "Mentor")):
        created = await unit.achievements.create(
            issuer.id,
            NewAchievement(
                **{
                    **vars(EXPLORER),
                    "slug": f"leadership-pedagonumerique-{level}",
                    "level": level,
                    "level_name": name,
                }
            ),
        )
        made.append(created.id)
    await session.commit()
    return made


async def test_a_portfolio_runs_the_same_few_statements_for_1_10_and_200_credentials(
    graphql: Run,
    client: httpx.AsyncClient,
    token: Getter,
    linked_token: str,
    session: AsyncSession,
    runtime: Runtime,
    database: ScratchDatabase,
) -> None:
    bearer = await token()
    extra = await _more_achievements(session, runtime)
    counts: dict[int, int] = {}
    for size in (1, 10, 200):
        email = f"portfolio-{size}@exemple.qc.ca"
        first = await issue(
            client, bearer, f"moodle-count-{size}", learner={"email": email, "name": "Élise"}
        )
        learner_id = await session.scalar(
            select(LearnerRecord.id).where(LearnerRecord.email == email)
        )
        await copy_credentials(
            session, uuid.UUID(first["id"]), size - 1, learner_id=learner_id, achievement_ids=extra
        )
        with statements(database) as seen:
            result = await graphql(PORTFOLIO, {"e": email}, bearer=linked_token)
        assert result.errors is None, result.errors
        assert result.data["learner"]["credentials"]["totalCount"] == size  # type: ignore[index]
        counts[size] = len(seen)

    # the token's client, the learner, their credentials, signed forms, evidence,
    # achievements, issuers: whatever the portfolio's size
    assert counts[1] == counts[10] == counts[200], counts
    assert counts[200] <= 7, counts


PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
COUNTED = f"""query($e: String!) {{ learner(email: $e) {{
  alignments {{ credentials(first: 1) {{ totalCount }} }}
  credentials(first: 2, after: $after) {{ {PAGE} }} }} }}"""


async def test_a_connection_builds_only_what_its_selection_reads(
    graphql: Run,
    client: httpx.AsyncClient,
    token: Getter,
    linked_token: str,
    database: ScratchDatabase,
) -> None:
    """A count builds no badge (so reads no issuer); edges, through a fragment too, and the
    page's cursors are those of a page whose nodes were built."""
    bearer, email = await token(), "pages@exemple.qc.ca"
    for n in range(4):
        await issue(client, bearer, f"moodle-page-{n}", learner={"email": email, "name": "Élise"})
    built = (
        "fragment built on CredentialConnection { edges { cursor node { id } } }\n"
        + COUNTED.replace("{ totalCount }", "{ totalCount nodes { id } }").replace(
            PAGE, PAGE + " ...built"
        )
    )
    answers, counts = [], []
    for query in (COUNTED, built):
        for after in (None, cursor(0)):  # from the start, then after the first
            document = query.replace("$e: String!", "$e: String!, $after: String")
            with statements(database) as seen:
                result = await graphql(document, {"e": email, "after": after}, bearer=linked_token)
            assert result.errors is None, result.errors
            answers.append(result.data["learner"])  # type: ignore[index]
            counts.append(len(seen))

    counted, counted_after, full, full_after = answers
    for only, whole in ((counted, full), (counted_after, full_after)):
        page = {key: whole["credentials"][key] for key in ("totalCount", "pageInfo")}
        assert only["credentials"] == page
        assert page["pageInfo"]["startCursor"] == whole["credentials"]["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == whole["credentials"]["edges"][-1]["cursor"]
    assert full_after["credentials"]["pageInfo"]["hasPreviousPage"] is True
    assert len(full["credentials"]["edges"]) == 2  # built, though only a fragment reads them
    assert all(e["node"]["id"] for e in full["credentials"]["edges"])
    assert len(full["alignments"][0]["credentials"]["nodes"]) == 1
    # the token's client, the learner, their credentials and achievements (for the filter and
    # the competencies); not the badges' issuers, which only a built badge reads
    assert counts[0] < counts[2], counts


async def test_dates_are_answered_without_reading_the_signed_documents(
    graphql: Run,
    client: httpx.AsyncClient,
    token: Getter,
    linked_token: str,
    database: ScratchDatabase,
) -> None:
    # validFrom is when Insigne signed, to the second: the column says it, so asking a page's
    # dates does not read its signed texts (about 15 KB each), which only document and jwt need.
    email = "dates@exemple.qc.ca"
    issued = await issue(
        client, await token(), "moodle-dates", learner={"email": email, "name": "Élise"}
    )
    dates = (
        "query($e: String!) { learner(email: $e) { credentials { nodes { validFrom issuedAt } } } }"
    )
    with statements(database) as seen:
        result = await graphql(dates, {"e": email}, bearer=linked_token)
    signed = await client.get(f"/credentials/{issued['id']}.json")

    assert result.errors is None, result.errors
    (node,) = result.data["learner"]["credentials"]["nodes"]  # type: ignore[index]
    assert [s for s in seen if "signed_json" in s] == []
    signed_at = datetime.fromisoformat(signed.json()["validFrom"])
    assert datetime.fromisoformat(node["validFrom"]) == signed_at  # to the second, as signed
    assert datetime.fromisoformat(node["issuedAt"]).replace(microsecond=0) == signed_at


async def test_valid_until_is_read_from_the_signed_text_when_asked(
    graphql: Run,
    client: httpx.AsyncClient,
    token: Getter,
    linked_token: str,
    session: AsyncSession,
) -> None:
    # Insigne's badges carry no validUntil; one that does (signed elsewhere, or later) says it.
    email = "echeance@exemple.qc.ca"
    issued = await issue(
        client, await token(), "moodle-until", learner={"email": email, "name": "Élise"}
    )
    record = await session.get_one(CredentialRecord, uuid.UUID(issued["id"]))
    document = json.loads(record.signed_json) | {"validUntil": "2031-06-30T23:59:59Z"}
    record.signed_json = json.dumps(document, ensure_ascii=False)
    await session.commit()
    dates = "query($e: String!) { learner(email: $e) { credentials { nodes { %s } } } }"

    asked = await graphql(dates % "validUntil document", {"e": email}, bearer=linked_token)
    not_asked = await graphql(dates % "validFrom document", {"e": email}, bearer=linked_token)

    assert asked.errors is None, asked.errors
    assert not_asked.errors is None, not_asked.errors
    (node,) = asked.data["learner"]["credentials"]["nodes"]  # type: ignore[index]
    assert datetime.fromisoformat(node["validUntil"]) == datetime(
        2031, 6, 30, 23, 59, 59, tzinfo=UTC
    )
    assert node["document"]["validUntil"] == "2031-06-30T23:59:59Z"
    (other,) = not_asked.data["learner"]["credentials"]["nodes"]  # type: ignore[index]
    assert other["document"]["validUntil"] == "2031-06-30T23:59:59Z"


def _still_held(*kinds: type) -> list[object]:
    """The objects of these kinds still alive. They are Structs the collector does not track
    (``gc=False``), so they are found through the containers that hold them, which it does."""
    return [
        found
        for holder in gc.get_objects()
        for found in gc.get_referents(holder)
        if isinstance(found, kinds)
    ]


async def test_what_a_request_loaded_is_freed_when_it_ends_not_left_to_the_collector(
    graphql: Run, client: httpx.AsyncClient, token: Getter, linked_token: str
) -> None:
    # A cycle through the loaders kept every answer read until a collection (and made one
    # collection's worth of garbage per portfolio served).
    email = "liberee@exemple.qc.ca"
    await issue(client, await token(), "moodle-freed", learner={"email": email, "name": "Élise"})
    gc.collect()
    gc.disable()
    try:
        result = await graphql(PORTFOLIO, {"e": email}, bearer=linked_token)
        left = _still_held(EvidenceItem, SignedForms)
        # graphql-core's executor held itself through its helpers: it, its plans and the
        # request's context waited for the collector.
        executors = [found for found in gc.get_objects() if isinstance(found, PortfolioExecutor)]
        plans = [found for found in gc.get_objects() if type(found) is _Step]
    finally:
        gc.enable()

    assert result.errors is None, result.errors
    assert result.data["learner"]["credentials"]["nodes"][0]["evidence"]  # type: ignore[index]
    assert left == []
    assert plans == []
    assert executors == []


async def test_an_operation_runs_on_the_event_loop_with_no_worker_thread(
    graphql: Run, client: httpx.AsyncClient, token: Getter, linked_token: str
) -> None:
    # Strawberry's Litestar controller built each request's Response shell in a worker thread.
    email = "boucle@exemple.qc.ca"
    await issue(client, await token(), "moodle-loop", learner={"email": email, "name": "Élise"})
    async with worker_threads() as submitted:
        result = await graphql(PORTFOLIO, {"e": email}, bearer=linked_token)

    assert result.errors is None, result.errors
    # asyncio's own getaddrinfo aside, when a pool opens a connection
    assert [name for name in submitted if name != "getaddrinfo"] == []


@pytest.mark.no_sql
async def test_an_operation_s_dependencies_start_no_task(client: httpx.AsyncClient) -> None:
    """Litestar resolves a level of several dependencies in an anyio task group: a task each.

    The in-memory rate-limit storage starts a task of its own to expire its counters.
    """
    loop = asyncio.get_running_loop()
    started: list[str] = []
    previous = loop.get_task_factory()

    def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        if "/limits/" not in coro.cr_code.co_filename:
            started.append(coro.__qualname__)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(counting)
    try:
        answer = await client.post("/graphql", json={"query": "{ __typename }"})
    finally:
        loop.set_task_factory(previous)

    assert answer.json() == {"data": {"__typename": "Query"}}
    assert started == []


async def test_sibling_fields_load_in_parallel_each_in_its_own_unit(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    app_settings, pooled = database_for(settings, fresh_database)
    demo = await load_demo_into(app_settings, pooled)
    runtime = Runtime.build(app_settings, database=pooled)
    try:
        async with runtime.write() as unit:
            reader = await unit.clients.create(
                name="Portfolio",
                scopes={"portfolio:read"},
                issuer_slugs={"reseau-demo"},
                actor="test",
            )
    finally:
        await runtime.close()
    open_now, most = 0, 0

    def checkout(*args: Any) -> None:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)

    def checkin(*args: Any) -> None:
        nonlocal open_now
        open_now -= 1

    app = create_app(app_settings, database=pooled)
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL, timeout=60) as http:
        issuing = await _token(http, demo.client_id, demo.client_secret)
        for n in range(3):
            await issue(http, issuing, f"moodle-parallel-{n}")
        bearer = await _token(http, reader.client_id, reader.client_secret)
        engine = fresh_database.engine.sync_engine
        event.listen(engine, "checkout", checkout)
        event.listen(engine, "checkin", checkin)
        try:
            result = await run_graphql(
                app,
                """query($e: String!) {
                  a: learner(email: $e) { credentials { nodes { evidence { digest } jwt issuer { slug } } } }
                  b: achievements { nodes { slug issuer { name } } }
                  c: issuers { totalCount }
                  d: learner(email: $e) { levels { level } }
                }""",
                {"e": "marie.tremblay@exemple.qc.ca"},
                bearer=bearer,
            )
        finally:
            event.remove(engine, "checkout", checkout)
            event.remove(engine, "checkin", checkin)

    assert result.errors is None, result.errors
    assert len(result.data["a"]["credentials"]["nodes"]) == 3  # type: ignore[index]
    assert result.data["c"] == {"totalCount": 1}  # type: ignore[index]
    assert most >= 2, "sibling fields should have read in parallel, each on its own connection"
    assert pooled.checked_out() == 0


async def _token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_a_single_connection_database_serialises_the_loaders(
    graphql: Run, issued: dict[str, Any], linked_token: str, make_client: MakeClient
) -> None:
    result = await graphql(
        """query($e: String!) { a: learner(email: $e) { name } b: issuers { totalCount }
           c: achievements { totalCount } }""",
        {"e": "marie.tremblay@exemple.qc.ca"},
        bearer=linked_token,
    )

    assert codes(result) == []
    assert result.data["b"] == {"totalCount": 1}  # type: ignore[index]
