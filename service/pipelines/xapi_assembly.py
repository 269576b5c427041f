"""xAPI intake: hold the statements (one short write), then assemble what became complete.

Each ready group goes through `issue_completion`, the same idempotent pipeline as a POSTed
completion, so no unit of work is open while its credential is signed, and two processes
assembling the same learner at once still give one badge. A group the pipeline refuses
(an answer too short, an archived badge) stays held with the reason, shown by
``GET /api/v1/xapi-pending``; the platform is still answered 200, as xAPI wants.
"""

import logging
import uuid

from service.domain.clients.clients import Principal
from service.domain.errors import Conflict, DomainError
from service.domain.xapi.intake import Account, Assembly
from service.domain.xapi.statements import Statement
from service.pipelines.issuance import issue_completion
from service.runtime import Runtime

log = logging.getLogger("insigne.xapi")


async def receive_statements(
    runtime: Runtime, principal: Principal, statements: list[Statement]
) -> list[uuid.UUID]:
    """Store a batch and assemble the completions it made ready; returns the statement ids."""
    async with runtime.write(principal) as services:
        actors = await services.xapi.store(statements)
    await assemble(runtime, principal, actors)
    return [statement.id for statement in statements]


async def tell_accounts(runtime: Runtime, principal: Principal, accounts: list[Account]) -> None:
    """Record account actors' e-mails, then assemble what they were waiting for."""
    async with runtime.write(principal) as services:
        actors = await services.xapi.tell_accounts(accounts)
    await assemble(runtime, principal, actors)


async def assemble(runtime: Runtime, principal: Principal, actors: set[str]) -> int:
    """Issue every ready group of these actors; returns how many completions were issued."""
    if not actors:
        return 0
    async with runtime.read(principal) as services:
        groups = await services.xapi.assemblies(actors)
    issued = 0
    for group in groups:
        if group.completion is not None:
            try:
                await issue_completion(runtime, principal, group.completion)
            except DomainError as error:
                if not (
                    isinstance(error, Conflict)
                    and await _issued_meanwhile(runtime, principal, group)
                ):
                    await _refuse(runtime, principal, group, error)
                    continue
            issued += 1
        if group.completion is not None or group.is_issued:
            async with runtime.write(principal) as services:
                await services.xapi.purge(group.statement_ids)
    return issued


async def _issued_meanwhile(runtime: Runtime, principal: Principal, group: Assembly) -> bool:
    """A concurrent assembly of the same learner (seeing one more answer) won the race."""
    async with runtime.read(principal) as services:
        return group.external_id is not None and await services.xapi.is_issued(group.external_id)


async def _refuse(
    runtime: Runtime, principal: Principal, group: Assembly, error: DomainError
) -> None:
    log.info("xapi completion refused", extra={"mapping": str(group.mapping.id)})
    async with runtime.write(principal) as services:
        await services.xapi.refuse(group.statement_ids, str(error))
