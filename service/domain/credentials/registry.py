"""The issued credentials of the issuers a client administers: filtered, newest first.

Pages are cut by a cursor (the last item's issue time and id), so a page stays correct while
new credentials arrive. Who sees which issuers is the visibility policy's `administered`.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.identity import normalise_email
from service.db.tables import (
    AchievementRecord,
    CompletionRecord,
    CredentialRecord,
    IssuerRecord,
    LearnerRecord,
)
from service.domain.clients.visibility import Viewer
from service.domain.cursors import encode_cursor, parse_cursor
from service.domain.errors import FieldProblem, InvalidInput
from service.domain.texts import Said
from service.domain.urls import Urls

STATUSES = frozenset({"active", "suspended", "revoked"})
MAX_PAGE = 200


@dataclass(frozen=True, kw_only=True)
class CredentialFilter:
    issuer: str | None = None
    achievement: str | None = None
    email: str | None = None
    status: str | None = None
    issued_after: datetime | None = None
    issued_before: datetime | None = None


@dataclass(frozen=True)
class IssuedCredential:
    id: uuid.UUID
    url: str
    status: str
    status_reason: str | None
    issuer: str
    achievement: str
    email: str
    name: str
    external_id: str
    issued_at: datetime


@dataclass(frozen=True)
class Page:
    items: list[IssuedCredential]
    next_cursor: str | None


class CredentialRegistry:
    def __init__(self, session: AsyncSession, *, viewer: Viewer, urls: Urls) -> None:
        self._session = session
        self._viewer = viewer
        self._urls = urls

    async def list(
        self, where: CredentialFilter, *, cursor: str | None = None, limit: int = 50
    ) -> Page:
        """A page of credentials matching `where`, among the issuers the caller administers."""
        _check(where, limit)
        issuers = self._viewer.administered()
        if issuers is not None and not issuers:
            return Page([], None)
        query = (
            select(
                CredentialRecord.id,
                CredentialRecord.status,
                CredentialRecord.status_reason,
                IssuerRecord.slug,
                AchievementRecord.slug,
                LearnerRecord.email,
                CompletionRecord.learner_name,
                CompletionRecord.external_id,
                CredentialRecord.issued_at,
            )
            .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
            .join(IssuerRecord, IssuerRecord.id == CredentialRecord.issuer_id)
            .join(AchievementRecord, AchievementRecord.id == CompletionRecord.achievement_id)
            .join(LearnerRecord, LearnerRecord.id == CompletionRecord.learner_id)
            .where(*_conditions(where, issuers, cursor))
            .order_by(CredentialRecord.issued_at.desc(), CredentialRecord.id.desc())
            .limit(limit + 1)
        )
        rows = (await self._session.execute(query)).all()
        items = [
            IssuedCredential(row[0], self._urls.credential(row[0]), *row[1:])
            for row in rows[:limit]
        ]
        more = len(rows) > limit
        return Page(
            items, encode_cursor(items[-1].issued_at, items[-1].id) if more and items else None
        )


def _check(where: CredentialFilter, limit: int) -> None:
    problems = []
    if where.status is not None and where.status not in STATUSES:
        problems.append(FieldProblem("status", Said("one-of", choices=sorted(STATUSES))))
    if not 0 < limit <= MAX_PAGE:
        problems.append(FieldProblem("limit", Said("page-range", most=MAX_PAGE)))
    for name in ("issued_after", "issued_before"):
        value = getattr(where, name)
        if value is not None and value.tzinfo is None:
            problems.append(FieldProblem(name, Said("date-needs-zone")))
    if problems:
        raise InvalidInput(problems)


def _conditions(
    where: CredentialFilter, issuers: frozenset[str] | None, cursor: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if issuers is not None:
        conditions.append(IssuerRecord.slug.in_(sorted(issuers)))
    if where.issuer is not None:
        conditions.append(IssuerRecord.slug == where.issuer)
    if where.achievement is not None:
        conditions.append(AchievementRecord.slug == where.achievement)
    if where.email is not None:
        conditions.append(LearnerRecord.email == normalise_email(where.email))
    if where.status is not None:
        conditions.append(CredentialRecord.status == where.status)
    if where.issued_after is not None:
        conditions.append(CredentialRecord.issued_at >= where.issued_after)
    if where.issued_before is not None:
        conditions.append(CredentialRecord.issued_at < where.issued_before)
    if cursor is not None:
        at, last = parse_cursor(cursor)
        conditions.append(
            or_(
                CredentialRecord.issued_at < at,
                and_(CredentialRecord.issued_at == at, CredentialRecord.id < last),
            )
        )
    return conditions
