"""Reading the audit trail: by issuer, actor, kind and time, newest first, for who may."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import AuditEventRecord
from service.domain.clients.visibility import Viewer
from service.domain.cursors import encode_cursor, parse_cursor
from service.domain.errors import FieldProblem, InvalidInput
from service.domain.texts import Said

MAX_PAGE = 200


@dataclass(frozen=True, kw_only=True)
class AuditFilter:
    issuer: str | None = None
    actor: str | None = None
    action: str | None = None
    after: datetime | None = None
    before: datetime | None = None


@dataclass(frozen=True)
class AuditEvent:
    id: uuid.UUID
    at: datetime
    actor: str
    action: str
    subject: str
    issuer: str | None
    detail: dict[str, Any]


async def list_events(
    session: AsyncSession,
    viewer: Viewer,
    where: AuditFilter,
    *,
    before_id: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 50,
) -> list[AuditEvent]:
    """Events newest first: the operator's all, an admin's those of the issuers it administers."""
    administered = viewer.administered()
    if administered is not None and not administered:
        return []
    query = select(AuditEventRecord)
    if administered is not None:
        query = query.where(AuditEventRecord.issuer.in_(sorted(administered)))
    for column, value in (
        (AuditEventRecord.issuer, where.issuer),
        (AuditEventRecord.actor, where.actor),
        (AuditEventRecord.action, where.action),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.after is not None:
        query = query.where(AuditEventRecord.at >= where.after)
    if where.before is not None:
        query = query.where(AuditEventRecord.at < where.before)
    if before_id is not None:
        at, last = before_id
        query = query.where(
            or_(
                AuditEventRecord.at < at,
                and_(AuditEventRecord.at == at, AuditEventRecord.id < last),
            )
        )
    records = await session.scalars(
        query.order_by(AuditEventRecord.at.desc(), AuditEventRecord.id.desc()).limit(limit)
    )
    return [
        AuditEvent(r.id, r.at, r.actor, r.action, r.subject, r.issuer, dict(r.detail))
        for r in records
    ]


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str | None


class AuditLog:
    def __init__(self, session: AsyncSession, *, viewer: Viewer) -> None:
        self._session = session
        self._viewer = viewer

    async def page(
        self, where: AuditFilter, *, cursor: str | None = None, limit: int = 50
    ) -> AuditPage:
        if not 0 < limit <= MAX_PAGE:
            raise InvalidInput([FieldProblem("limit", Said("page-range", most=MAX_PAGE))])
        after = parse_cursor(cursor) if cursor else None
        events = await list_events(
            self._session, self._viewer, where, before_id=after, limit=limit + 1
        )
        more = len(events) > limit
        events = events[:limit]
        last = events[-1] if more and events else None
        return AuditPage(events, encode_cursor(last.at, last.id) if last else None)
