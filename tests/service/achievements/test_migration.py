"""Migration 0007 on data: answers given before versions keep the prompt they were asked."""

import uuid
from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import DateTime, String, Uuid, column, insert, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import TableClause

from service.db.engine import alembic_config
from service.db.tables import (
    AchievementRecord,
    ClientRecord,
    CompletionRecord,
    EvidenceRecord,
    IssuerRecord,
    PromptRecord,
)
from tests.databases import ScratchDatabase

NOW = datetime(2026, 12, 1, tzinfo=UTC)
BEFORE_VERSIONS = "0005"
# Learners had a name then (migration 0009 moved it to each completion).
LEARNERS_BEFORE_0009 = table(
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
    """One answered prompt, written with only the columns the schema had before 0007."""
    ids = {name: uuid.uuid4() for name in ("issuer", "achievement", "client", "learner", "done")}
    rows = [
        (IssuerRecord, {"id": ids["issuer"], "slug": "i", "name": "I", "url": "https://i.example",
                        "email": "a@i.example", "created_at": NOW}),
        (AchievementRecord, {"id": ids["achievement"], "slug": "a", "issuer_id": ids["issuer"],
                             "track": "t", "level": 1, "level_name": "l", "name": "n",
                             "description": "d", "criteria": "c", "alignments": [], "tags": [],
                             "in_language": "fr", "created_at": NOW}),
        (PromptRecord, {"id": uuid.uuid4(), "achievement_id": ids["achievement"], "key": "k",
                        "position": 0, "text": "Que retenez-vous ?", "min_length": 0,
                        "max_length": 10, "is_required": True}),
        (ClientRecord, {"id": ids["client"], "client_id": "c", "name": "C", "secret_hash": "h",
                        "scopes": [], "issuer_slugs": [], "created_at": NOW}),
        (LEARNERS_BEFORE_0009, {"id": ids["learner"], "email": "e@x.example", "name": "E",
                                "created_at": NOW}),
        (CompletionRecord, {"id": ids["done"], "client_id": ids["client"], "external_id": "x",
                            "fingerprint": "f", "learner_id": ids["learner"],
                            "achievement_id": ids["achievement"], "completed_at": NOW,
                            "share_reflections": False, "created_at": NOW}),
        (EvidenceRecord, {"id": uuid.uuid4(), "completion_id": ids["done"], "prompt_key": "k",
                          "position": 0, "answer": "réponse", "digest_sri": "sha256-x"}),
    ]  # fmt: skip
    for record, values in rows:
        target: Any = record if isinstance(record, TableClause) else record.__table__  # type: ignore[attr-defined]
        connection.execute(insert(target).values(values))


async def test_existing_answers_keep_their_prompt_text_and_version_one(
    fresh_database: ScratchDatabase,
) -> None:
    url = fresh_database.url
    async with fresh_database.engine.connect() as connection:
        await connection.run_sync(_migrate, url, "downgrade", BEFORE_VERSIONS)
        await connection.run_sync(_seed)
        await connection.run_sync(_migrate, url, "upgrade", "head")
        prompt_text = await connection.scalar(select(EvidenceRecord.prompt_text))
        version = await connection.scalar(select(CompletionRecord.achievement_version))
        current = await connection.scalar(select(AchievementRecord.version))
        await connection.run_sync(_migrate, url, "downgrade", BEFORE_VERSIONS)
        await connection.run_sync(_migrate, url, "upgrade", "head")
        await connection.commit()

    assert prompt_text == "Que retenez-vous ?"
    assert (version, current) == (1, 1)
