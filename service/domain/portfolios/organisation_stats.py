"""Aggregates for an organisation: how many earners reached which achievement, per month.

Periods are those of the award (the learner's completion, the credential's ``awardedDate``),
not of the signing: a batch of last year's completions counts in last year's months.

Months are UTC calendar months. They are bucketed here, in Python, over one narrow query
(achievement, learner, time) rather than in SQL, where month arithmetic differs between
SQLite (strftime on text) and PostgreSQL (date_trunc in the session's time zone); the range
asked for bounds the rows read.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import AchievementRecord, CompletionRecord, CredentialRecord, IssuerRecord
from service.domain.clients.visibility import Viewer
from service.domain.errors import FieldProblem, InvalidInput, NotFound
from service.domain.texts import Said

MAX_RANGE_DAYS = 3 * 366  # a bounded read; ask again for older years


@dataclass(frozen=True)
class EarnerCount:
    """Distinct earners of one achievement (one level of a track) in a period."""

    achievement_id: uuid.UUID
    track: str
    level: int
    level_name: str
    earners: int


@dataclass(frozen=True)
class MonthStats:
    month: str  # YYYY-MM, UTC
    counts: tuple[EarnerCount, ...]


@dataclass(frozen=True)
class OrganisationStats:
    issuer_id: uuid.UUID
    start: datetime
    end: datetime
    totals: tuple[EarnerCount, ...]
    months: tuple[MonthStats, ...]


class StatsService:
    def __init__(self, session: AsyncSession, viewer: Viewer) -> None:
        self._session = session
        self._viewer = viewer

    async def organisation(
        self, issuer_id: uuid.UUID, start: datetime, end: datetime
    ) -> OrganisationStats:
        """Earners per achievement and level over [start, end), and per month; revoked left out."""
        if start.tzinfo is None or end.tzinfo is None or not start < end:
            raise InvalidInput([FieldProblem("from", Said("stats-range-order"))])
        if (end - start).days > MAX_RANGE_DAYS:
            raise InvalidInput([FieldProblem("to", Said("stats-range-days", most=MAX_RANGE_DAYS))])
        slug = await self._session.scalar(
            select(IssuerRecord.slug).where(IssuerRecord.id == issuer_id)
        )
        if slug is None or not self._viewer.may_read_stats(slug):
            raise NotFound(Said("no-shared-statistics"))
        rows = await self._session.execute(
            select(
                AchievementRecord.id,
                AchievementRecord.track,
                AchievementRecord.level,
                AchievementRecord.level_name,
                CompletionRecord.learner_id,
                CompletionRecord.completed_at,
            )
            .select_from(CredentialRecord)
            .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
            .join(AchievementRecord, AchievementRecord.id == CompletionRecord.achievement_id)
            .where(
                CredentialRecord.issuer_id == issuer_id,
                CredentialRecord.status != "revoked",
                CompletionRecord.completed_at >= start,
                CompletionRecord.completed_at < end,
            )
        )
        kinds: dict[uuid.UUID, tuple[str, int, str]] = {}
        total: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        monthly: dict[str, dict[uuid.UUID, set[uuid.UUID]]] = defaultdict(lambda: defaultdict(set))
        for achievement_id, track, level, level_name, learner_id, awarded_at in rows:
            kinds[achievement_id] = (track, level, level_name)
            total[achievement_id].add(learner_id)
            monthly[awarded_at.astimezone(UTC).strftime("%Y-%m")][achievement_id].add(learner_id)
        return OrganisationStats(
            issuer_id=issuer_id,
            start=start,
            end=end,
            totals=_counts(total, kinds),
            months=tuple(MonthStats(m, _counts(monthly[m], kinds)) for m in sorted(monthly)),
        )


def _counts(
    earners: dict[uuid.UUID, set[uuid.UUID]], kinds: dict[uuid.UUID, tuple[str, int, str]]
) -> tuple[EarnerCount, ...]:
    counts = (EarnerCount(key, *kinds[key], len(learners)) for key, learners in earners.items())
    return tuple(sorted(counts, key=lambda c: (c.track, c.level)))
