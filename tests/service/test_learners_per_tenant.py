"""Learner data is not last-writer-wins across tenants: each completion keeps its own name."""

import uuid
from datetime import UTC, datetime

import httpx
from alembic import command
from sqlalchemy import DateTime, String, Uuid, column, insert, select, table
from sqlalchemy.engine import Connection

from service.db.engine import alembic_config
from service.db.tables import (
    AchievementRecord,
    ClientRecord,
    CompletionRecord,
    IssuerRecord,
)
from service.domain.demo import ISSUER_SLUG
from tests.service.achievements.conftest import definition
from tests.service.conftest import OTHER, Getter, MakeClient, ScratchDatabase, Tenant, bearer
from tests.service.factories import completion

EMAIL = "marie.tremblay@exemple.qc.ca"
NAME = "Marie Tremblay"
QUERY = "query($e: String!) { learner(email: $e) { name } }"


async def _learner_name(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post(
        "/graphql", json={"query": QUERY, "variables": {"e": EMAIL}}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body
    return str(body["data"]["learner"]["name"])


async def test_another_issuers_platform_renames_no_one_for_us(
    client: httpx.AsyncClient,
    ours: Tenant,
    theirs: Tenant,
    token: Getter,
    make_client: MakeClient,
) -> None:
    created = await client.post(
        "/api/v1/achievements",
        json=definition(issuer=OTHER, slug="leur-atelier"),
        headers=theirs.admin,
    )
    assert created.status_code == 201, created.text
    mine = await client.post("/api/v1/completions", json=completion("n1"), headers=ours.platform)
    renamed = await client.post(
        "/api/v1/completions",
        json=completion(
            "l1",
            achievement="leur-atelier",
            learner={"email": EMAIL, "name": "Quelqu'un d'autre"},
            reflections=[{"prompt": "essai", "answer": "x" * 40}],
        ),
        headers=theirs.platform,
    )
    assert (mine.status_code, renamed.status_code) == (201, 201), renamed.text
    reader_id, reader_secret = await make_client(scopes={"portfolio:read"}, issuers={ISSUER_SLUG})
    our_reader = bearer(await token(None, reader_id, reader_secret))
    their_id, their_secret = await make_client(scopes={"portfolio:read"}, issuers={OTHER})
    their_reader = bearer(await token(None, their_id, their_secret))

    registry = await client.get("/api/v1/credentials", params={"email": EMAIL}, headers=ours.admin)
    theirs_listed = await client.get(
        "/api/v1/credentials", params={"email": EMAIL}, headers=theirs.admin
    )

    assert [item["name"] for item in registry.json()["items"]] == [NAME]
    assert [item["name"] for item in theirs_listed.json()["items"]] == ["Quelqu'un d'autre"]
    assert await _learner_name(client, our_reader) == NAME
    assert await _learner_name(client, their_reader) == "Quelqu'un d'autre"


LEARNERS_0008 = table(
    "learners",
    column("id", Uuid()),
    column("email", String()),
    column("name", String()),
    column("created_at", DateTime(timezone=True)),
)


def _migrate(connection: Connection, url: str, action: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)


def _seed(connection: Connection) -> None:
    """A learner named once, with one completion, as the schema was at 0008."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    ids = {name: uuid.uuid4() for name in ("issuer", "achievement", "client", "learner")}
    rows = [
        (IssuerRecord.__table__, {"id": ids["issuer"], "slug": "i", "name": "I",
                                  "url": "https://i.example", "email": "a@i.example",
                                  "created_at": now}),
        (AchievementRecord.__table__, {"id": ids["achievement"], "slug": "a",
                                       "issuer_id": ids["issuer"], "track": "t", "level": 1,
                                       "level_name": "l", "name": "n", "description": "d",
                                       "criteria": "c", "alignments": [], "tags": [],
                                       "in_language": "fr", "created_at": now}),
        (ClientRecord.__table__, {"id": ids["client"], "client_id": "c", "name": "C",
                                  "secret_hash": "h", "scopes": [], "issuer_slugs": [],
                                  "created_at": now}),
        (LEARNERS_0008, {"id": ids["learner"], "email": EMAIL, "name": NAME, "created_at": now}),
        (CompletionRecord.__table__, {"id": uuid.uuid4(), "client_id": ids["client"],
                                      "external_id": "x", "fingerprint": "f",
                                      "learner_id": ids["learner"],
                                      "achievement_id": ids["achievement"], "completed_at": now,
                                      "share_reflections": False, "created_at": now}),
    ]  # fmt: skip
    for target, values in rows:
        connection.execute(insert(target).values(values))  # type: ignore[arg-type]


async def test_the_migration_moves_the_learners_name_to_each_completion_and_back(
    fresh_database: ScratchDatabase,
) -> None:
    url = fresh_database.url
    async with fresh_database.engine.connect() as connection:
        await connection.run_sync(_migrate, url, "downgrade", "0008")
        await connection.run_sync(_seed)
        await connection.run_sync(_migrate, url, "upgrade", "head")
        moved = await connection.scalar(select(CompletionRecord.learner_name))
        await connection.run_sync(_migrate, url, "downgrade", "0008")
        back = await connection.scalar(select(LEARNERS_0008.c.name))
        await connection.run_sync(_migrate, url, "upgrade", "head")
        await connection.commit()

    assert (moved, back) == (NAME, NAME)
