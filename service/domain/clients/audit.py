"""The audit trail: who did what, when. Never secrets, never reflection text."""

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.direct import execute
from service.db.ids import new_id
from service.db.inserts import table_of
from service.db.tables import AuditEventRecord
from service.domain.clock import Clock, utc_now

_INSERT = insert(table_of(AuditEventRecord))  # built once: each event only binds its values


async def record_event(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
    clock: Clock = utc_now,
    issuer: str | None = None,
) -> None:
    """Add an audit event to the current transaction (`issuer`: whose admins may read it).

    Inserted at once with a Core statement: nothing left for an ORM flush to find later.
    """
    row = event_row(
        actor=actor, action=action, subject=subject, detail=detail, clock=clock, issuer=issuer
    )
    await execute(session, _INSERT, row)


def event_row(
    *,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
    clock: Clock = utc_now,
    issuer: str | None = None,
) -> dict[str, Any]:
    """An audit event's row, for a write that inserts it with others (`record_event`'s)."""
    return {
        "id": new_id(),
        "at": clock(),
        "actor": actor,
        "action": action,
        "subject": subject,
        "detail": detail or {},
        "issuer": issuer,
    }
