"""Many credentials fast: copies of one issued credential's rows (signing each is slow).

The copies carry the original's signed text, so their signatures name another id; they are
for read paths (portfolios, statement counts), never for verification.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CompletionRecord, CredentialRecord, EvidenceRecord


def _row(record: Any, **changes: Any) -> dict[str, Any]:
    values = {c.key: getattr(record, c.key) for c in record.__table__.columns}
    return {**values, **changes}


async def copy_credentials(
    session: AsyncSession,
    source: uuid.UUID,
    count: int,
    *,
    learner_id: uuid.UUID | None = None,
    achievement_ids: Sequence[uuid.UUID] = (),
    issuer_ids: Sequence[uuid.UUID] = (),
) -> list[uuid.UUID]:
    """`count` copies of credential `source`, spread over the achievements and issuers given."""
    credential = await session.get_one(CredentialRecord, source)
    completion = await session.get_one(CompletionRecord, credential.completion_id)
    evidence = list(
        await session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.completion_id == completion.id)
        )
    )
    used = set(
        await session.scalars(
            select(CredentialRecord.status_index).where(
                CredentialRecord.status_list_id == credential.status_list_id
            )
        )
    )
    indexes = (n for n in range(1, 10**9) if n not in used)
    completions, answers, credentials = [], [], []
    for n in range(count):
        completion_id, credential_id = uuid.uuid4(), uuid.uuid4()
        completions.append(
            _row(
                completion,
                id=completion_id,
                external_id=f"copy-{credential_id}",
                idempotency_key=None,
                learner_id=learner_id or completion.learner_id,
                achievement_id=achievement_ids[n % len(achievement_ids)]
                if achievement_ids
                else completion.achievement_id,
            )
        )
        answers += [_row(e, id=uuid.uuid4(), completion_id=completion_id) for e in evidence]
        credentials.append(
            _row(
                credential,
                id=credential_id,
                completion_id=completion_id,
                issuer_id=issuer_ids[n % len(issuer_ids)] if issuer_ids else credential.issuer_id,
                status_index=next(indexes),
                suspension_list_id=None,  # copies carry no suspension entry of their own
                suspension_index=None,
            )
        )
    for table, rows in (
        (CompletionRecord, completions),
        (EvidenceRecord, answers),
        (CredentialRecord, credentials),
    ):
        if rows:
            await session.execute(insert(table), rows)
    await session.commit()
    return [row["id"] for row in credentials]
