"""A credential's status change: prepare (read, sign the changed lists) → store (write).

As in issuance, no unit of work is open while a status list is signed, so no lock spans a
signature: not SQLite's write lock, nor on PostgreSQL the credential's row, its lists' or
its issuer's (which the published-epoch trigger updates when a list is stored). A change
to the same credential stored meanwhile makes the store roll back, and the change is
prepared again from what that one left; a list another change stored meanwhile is signed
again inside the store (`CredentialLifecycle.store`), the one case where rows are held
across a signature.
"""

import uuid

from service.domain.clients.clients import Principal
from service.domain.credentials.lifecycle import ChangedMeanwhile, StatusChange
from service.domain.errors import Conflict
from service.domain.texts import Said
from service.runtime import Runtime

_ATTEMPTS = 5


async def change_status(
    runtime: Runtime,
    principal: Principal | None,
    credential_id: uuid.UUID,
    target: str,
    reason: str,
    *,
    actor: str,
    is_operator: bool = False,
) -> StatusChange:
    """Revoke (`target` revoked), suspend (suspended) or reinstate (active) a credential.

    `principal`: the platform asking; none, with `is_operator`, for the command line.
    """
    for _ in range(_ATTEMPTS):
        async with runtime.read(principal, is_operator=is_operator) as services:
            prepared = await services.lifecycle.prepare(credential_id, target, reason)
        if isinstance(prepared, StatusChange):
            return prepared
        try:
            async with runtime.write(principal, is_operator=is_operator) as services:
                return await services.lifecycle.store(prepared, actor=actor)
        except ChangedMeanwhile:
            continue
    raise Conflict(Said("status-list-busy"))
