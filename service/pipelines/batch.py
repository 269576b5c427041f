"""Bulk issuance: a cohort's completions, each through the single-completion pipeline.

Every item is issued exactly as ``POST /api/v1/completions`` issues one (same validation,
same idempotency by externalId), so posting a batch again issues nothing new. A few items
run at once: signing is CPU-bound and each store is a short write unit, so more would only
queue on the database (SQLite has one writer).
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from service.domain.clients.clients import Principal
from service.domain.credentials.awards import Award
from service.domain.credentials.completions import Completion
from service.domain.errors import DomainError
from service.pipelines.issuance import issue_completion
from service.runtime import Runtime

MAX_ITEMS = 1000
CONCURRENCY = 4


@dataclass(frozen=True)
class ItemResult:
    """One item's outcome: its award (new or a replay) or why it was refused."""

    award: Award | None = None
    error: DomainError | None = None


async def issue_batch(
    runtime: Runtime, principal: Principal, items: Sequence[Completion | DomainError]
) -> list[ItemResult]:
    """Issue every valid item; the results are in the order given."""
    limit = asyncio.Semaphore(CONCURRENCY if runtime.database.max_parallel_units != 1 else 1)

    async def issue(item: Completion | DomainError) -> ItemResult:
        if isinstance(item, DomainError):  # refused while reading the request
            return ItemResult(error=item)
        async with limit:
            try:
                return ItemResult(award=await issue_completion(runtime, principal, item))
            except DomainError as error:
                return ItemResult(error=error)

    return list(await asyncio.gather(*(issue(item) for item in items)))
