"""Names belong to their issuer: another issuer naming a track alike changes nothing here."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from alembic import command
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from service.db.engine import alembic_config
from service.db.tables import AchievementRecord, IssuerRecord, TrackRecord
from service.domain.demo import EXPLORER, ISSUER_SLUG
from tests.service.achievements.conftest import definition
from tests.service.conftest import (
    OTHER,
    Getter,
    Headers,
    MakeClient,
    ScratchDatabase,
    Tenant,
    bearer,
)
from tests.service.factories import completion

TRACK = EXPLORER.track  # the demo issuer's track, « Leadership pédagonumérique »


async def _post(client: httpx.AsyncClient, url: str, body: Any, headers: Headers) -> Any:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _track(issuer: str, slug: str, *, requires: bool) -> dict[str, Any]:
    return {"slug": slug, "issuer": issuer, "name": TRACK, "requiresPreviousLevel": requires}


def _level(issuer: str, slug: str, level: int) -> dict[str, Any]:
    return definition(
        issuer=issuer, slug=slug, track=TRACK, level=level, levelName=f"Niveau {level}"
    )


async def test_another_issuer_may_name_a_track_alike_without_locking_the_first_out(
    client: httpx.AsyncClient, ours: Tenant, theirs: Tenant
) -> None:
    await _post(
        client, "/api/v1/tracks", _track(OTHER, "leur-leadership", requires=False), theirs.admin
    )
    await _post(client, "/api/v1/achievements", _level(OTHER, "leur-niveau-2", 2), theirs.admin)

    mine = await client.post(
        "/api/v1/tracks", json=_track(ISSUER_SLUG, "leadership", requires=True), headers=ours.admin
    )
    level_2 = await client.post(
        "/api/v1/achievements", json=_level(ISSUER_SLUG, "notre-niveau-2", 2), headers=ours.admin
    )
    again = await client.post(
        "/api/v1/achievements", json=_level(ISSUER_SLUG, "encore-2", 2), headers=ours.admin
    )
    twice = await client.post(
        "/api/v1/tracks",
        json=_track(ISSUER_SLUG, "leadership-bis", requires=True),
        headers=ours.admin,
    )

    assert mine.status_code == 201, mine.text
    assert level_2.status_code == 201, level_2.text
    assert again.status_code == 409  # the level is still unique within the issuer's track
    assert twice.status_code == 409  # and the name within the issuer
    listed = (await client.get("/api/v1/tracks", headers=ours.admin)).json()
    assert [(t["slug"], t["issuer"]) for t in listed] == [("leadership", ISSUER_SLUG)]


async def test_the_previous_level_rule_reads_only_the_achievements_own_issuer(
    client: httpx.AsyncClient, ours: Tenant, theirs: Tenant
) -> None:
    """Their level 1 is no pass to our level 2, and our rule does not bind their track."""
    await _post(
        client, "/api/v1/tracks", _track(ISSUER_SLUG, "leadership", requires=True), ours.admin
    )
    await _post(
        client, "/api/v1/achievements", _level(ISSUER_SLUG, "notre-niveau-2", 2), ours.admin
    )
    await _post(client, "/api/v1/achievements", _level(OTHER, "leur-niveau-1", 1), theirs.admin)
    await _post(client, "/api/v1/achievements", _level(OTHER, "leur-niveau-2", 2), theirs.admin)

    def answered(external_id: str, slug: str) -> dict[str, Any]:
        return completion(
            external_id, achievement=slug, reflections=[{"prompt": "essai", "answer": "x" * 40}]
        )

    theirs_1 = await client.post(
        "/api/v1/completions", json=answered("l1", "leur-niveau-1"), headers=theirs.platform
    )
    theirs_2 = await client.post(
        "/api/v1/completions", json=answered("l2", "leur-niveau-2"), headers=theirs.platform
    )
    ours_2 = await client.post(
        "/api/v1/completions", json=answered("n2", "notre-niveau-2"), headers=ours.platform
    )

    assert theirs_1.status_code == 201, theirs_1.text
    assert theirs_2.status_code == 201, theirs_2.text  # their track does not require it
    assert ours_2.status_code == 422, ours_2.text  # their level 1 is not ours
    assert "requires level 1" in ours_2.json()["errors"][0]["message"]


async def test_a_portfolio_reaches_each_issuers_track_apart(
    client: httpx.AsyncClient, ours: Tenant, theirs: Tenant, make_client: MakeClient, token: Getter
) -> None:
    await _post(client, "/api/v1/achievements", _level(OTHER, "leur-niveau-3", 3), theirs.admin)
    email = "marie.tremblay@exemple.qc.ca"
    await _post(client, "/api/v1/completions", completion("n1"), ours.platform)
    await _post(
        client,
        "/api/v1/completions",
        completion(
            "l3",
            achievement="leur-niveau-3",
            reflections=[{"prompt": "essai", "answer": "x" * 40}],
        ),
        theirs.platform,
    )
    reader_id, reader_secret = await make_client(scopes={"portfolio:read"})
    reader = bearer(await token(None, reader_id, reader_secret))
    query = (
        "query($e: String!) { learner(email: $e) { levels { track level achievement { slug } } } }"
    )

    response = await client.post(
        "/graphql", json={"query": query, "variables": {"e": email}}, headers=reader
    )

    body = response.json()
    assert "errors" not in body, body
    reached = {
        (x["track"], x["level"], x["achievement"]["slug"])
        for x in body["data"]["learner"]["levels"]
    }
    assert reached == {(TRACK, 1, EXPLORER.slug), (TRACK, 3, "leur-niveau-3")}


def _migrate(connection: Connection, url: str, action: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)


def _seed(connection: Connection) -> dict[str, uuid.UUID]:
    """Two issuers; the first's track and level 1, written under the 0007 schema."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    ids = {name: uuid.uuid4() for name in ("a", "b", "level")}
    for key in ("a", "b"):
        connection.execute(
            insert(IssuerRecord.__table__).values(  # type: ignore[arg-type]
                id=ids[key], slug=key, name=key, url="https://x.example", email="a@x.example",
                created_at=now,
            )
        )  # fmt: skip
    connection.execute(
        insert(TrackRecord.__table__).values(  # type: ignore[arg-type]
            id=uuid.uuid4(), slug="t-a", issuer_id=ids["a"], name="T",
            requires_previous_level=True, created_at=now,
        )
    )  # fmt: skip
    connection.execute(
        insert(AchievementRecord.__table__).values(  # type: ignore[arg-type]
            id=ids["level"], slug="a-1", issuer_id=ids["a"], track="T", level=1, level_name="l",
            name="n", description="d", criteria="c", alignments=[], tags=[], in_language="fr",
            created_at=now,
        )
    )  # fmt: skip
    return ids


def _same_names_for(connection: Connection, ids: dict[str, uuid.UUID]) -> None:
    """The second issuer takes the first's track name and level: allowed once migrated."""
    now = datetime(2026, 12, 2, tzinfo=UTC)
    connection.execute(
        insert(TrackRecord.__table__).values(  # type: ignore[arg-type]
            id=uuid.uuid4(), slug="t-b", issuer_id=ids["b"], name="T",
            requires_previous_level=False, created_at=now,
        )
    )  # fmt: skip
    connection.execute(
        insert(AchievementRecord.__table__).values(  # type: ignore[arg-type]
            id=uuid.uuid4(), slug="b-1", issuer_id=ids["b"], track="T", level=1, level_name="l",
            name="n", description="d", criteria="c", alignments=[], tags=[], in_language="fr",
            created_at=now,
        )
    )  # fmt: skip


async def test_the_migration_keeps_data_and_scopes_names_per_issuer(
    fresh_database: ScratchDatabase,
) -> None:
    url = fresh_database.url
    async with fresh_database.engine.connect() as connection:
        await connection.run_sync(_migrate, url, "downgrade", "0007")
        ids = await connection.run_sync(_seed)
        await connection.run_sync(_migrate, url, "upgrade", "head")
        await connection.run_sync(_same_names_for, ids)
        tracks = (await connection.execute(select(TrackRecord.slug).order_by("slug"))).scalars()
        levels = (
            await connection.execute(select(AchievementRecord.slug).order_by("slug"))
        ).scalars()
        found = (list(tracks), list(levels))
        await connection.commit()

    assert found == (["t-a", "t-b"], ["a-1", "b-1"])
