"""The issuance pipeline: prepare (read, take an index) → build → sign → store (write).

Prepare reads and takes the status index (one counter statement, `Database.reserve`).
No unit of work is open while the credential is signed, so no lock (SQLite's write lock, a
row lock on PostgreSQL) spans a signature. Store writes every row in one statement on
PostgreSQL, which commits by itself, so it runs on a reserving unit too (a transaction on
SQLite, where the rows are written in steps). A status index taken meanwhile (the unique
constraint still guards it), or a key rotated or compromised meanwhile by any process, makes
the store roll back, and the credential is signed again (another index, the new keys).
"""

from contextlib import AbstractAsyncContextManager

from service.domain.clients.clients import Principal, TokenClaims
from service.domain.credentials.awards import Award, CompletionRequest, ListNeeded, SignAgain
from service.domain.credentials.completions import Completion
from service.domain.credentials.credentials import build_credential, sign_both_ways
from service.domain.errors import Conflict
from service.domain.texts import Said
from service.metrics import metrics
from service.runtime import Runtime, Services

_ATTEMPTS = 5
_SCOPE = "completions:write"  # what issuing asks of a platform's token


async def issue_completion(
    runtime: Runtime,
    principal: Principal | TokenClaims,
    completion: Completion,
    idempotency_key: str | None = None,
) -> Award:
    """Issue one credential per completion; a retry returns the first award.

    Given a bearer token's claims, the first reserving unit admits its client (the REST
    route's way: one unit fewer per completion).
    """
    request = CompletionRequest(completion, idempotency_key)
    caller = principal
    for _ in range(_ATTEMPTS):
        async with _reserving(runtime, caller) as services:
            caller = services.principal or caller
            draft = await services.awards.prepare(request)
        if isinstance(draft, Award):
            return draft
        if isinstance(draft, ListNeeded):  # signed (pure) before its write unit opens
            new_list = services.status_lists.new_list(draft.issuer, draft.sequence, draft.purpose)
            async with runtime.write(services.principal) as services:
                await services.status_lists.start(new_list)
            continue
        signed = sign_both_ways(
            build_credential(draft, runtime.urls), draft.issuer, draft.issued_at
        )
        try:
            async with runtime.reserve(services.principal) as services:
                award = await services.awards.store(request, draft, signed)
        except SignAgain:  # a status index or a key changed meanwhile
            continue
        if award.is_new:
            metrics().credentials_issued.inc()
        return award
    raise Conflict(Said("status-lists-busy"))


def _reserving(
    runtime: Runtime, caller: Principal | TokenClaims
) -> AbstractAsyncContextManager[Services]:
    if isinstance(caller, TokenClaims):
        return runtime.reserve_admitting(caller, _SCOPE)
    return runtime.reserve(caller)
