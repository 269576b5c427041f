"""The facts about a credential that the visibility policy reads, loaded from its records."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CompletionRecord, CredentialRecord, IssuerRecord
from service.domain.clients.visibility import CredentialFacts
from service.domain.errors import NotFound
from service.domain.texts import Said


async def credential_facts(session: AsyncSession, credential_id: uuid.UUID) -> CredentialFacts:
    """What the visibility policy needs about a credential; NotFound when there is none."""
    row = (
        await session.execute(
            select(
                CredentialRecord.id,
                IssuerRecord.slug,
                CompletionRecord.client_id,
                CompletionRecord.share_reflections,
                CredentialRecord.evidence_public,
                CredentialRecord.hidden,
            )
            .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
            .join(IssuerRecord, IssuerRecord.id == CredentialRecord.issuer_id)
            .where(CredentialRecord.id == credential_id)
        )
    ).first()
    if row is None:
        raise NotFound(Said("no-such-credential"))
    return CredentialFacts(*row)
