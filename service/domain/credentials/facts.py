"""The facts about a credential that the visibility policy reads, projected from its records.

Every reader that asks the policy about a credential selects `FACTS` (a row then carries a
`CredentialFacts` under ``facts``), joining the credential's completion and issuer; none lists
the columns itself. Hot reads run as plain columns (no ORM row processing: `service.db.direct`
runs them on the driver): they select `FACT_COLUMNS` last and build the facts with `facts_at`.
"""

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Bundle

from service.db.tables import CompletionRecord, CredentialRecord, IssuerRecord
from service.domain.clients.visibility import CredentialFacts
from service.domain.errors import NotFound
from service.domain.texts import Said


class _FactsBundle(Bundle[CredentialFacts]):
    """Columns fetched as one `CredentialFacts` (SQLAlchemy's documented Bundle hook)."""

    def create_row_processor(
        self,
        query: Select[Any],
        procs: Sequence[Callable[[Row[Any]], Any]],
        labels: Sequence[str],
    ) -> Callable[[Row[Any]], CredentialFacts]:
        def proc(row: Row[Any]) -> CredentialFacts:
            return CredentialFacts(*(column(row) for column in procs))

        return proc


# In `CredentialFacts`'s order; the statement joins CompletionRecord and IssuerRecord.
FACT_COLUMNS = (
    CredentialRecord.id,
    IssuerRecord.slug,
    CompletionRecord.client_id,
    CompletionRecord.share_reflections,
    CredentialRecord.evidence_public,
    CredentialRecord.hidden,
)
FACTS = _FactsBundle("facts", *FACT_COLUMNS)


def facts_at(row: Sequence[Any]) -> CredentialFacts:
    """The facts of a row that selected `FACT_COLUMNS` last."""
    return CredentialFacts(*row[-len(FACT_COLUMNS) :])


_FACTS_BY_ID = (
    select(FACTS)
    .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
    .join(IssuerRecord, IssuerRecord.id == CredentialRecord.issuer_id)
)


async def credential_facts(session: AsyncSession, credential_id: uuid.UUID) -> CredentialFacts:
    """What the visibility policy needs about a credential; NotFound when there is none."""
    found = await session.scalar(_FACTS_BY_ID.where(CredentialRecord.id == credential_id))
    if found is None:
        raise NotFound(Said("no-such-credential"))
    return found
