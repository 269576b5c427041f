"""Organisation statistics and verification reports as GraphQL types."""

import datetime
import enum
import uuid
from typing import cast

import strawberry
from strawberry.scalars import JSON

from schema.context import Context
from schema.types import Achievement, Issuer, achievement_of
from service.domain.portfolios.organisation_stats import EarnerCount, OrganisationStats
from service.domain.verification.verifications import Report

Info = strawberry.Info[Context, None]


@strawberry.type(description="Distinct earners of one achievement (a level of a track).")
class EarnersCount:
    track: str
    level: int
    level_name: str
    earners: int
    achievement_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def achievement(self, info: Info) -> Achievement | None:
        return await achievement_of(
            info, await info.context.loaders.achievements.load(self.achievement_id)
        )

    @classmethod
    def from_domain(cls, count: EarnerCount) -> "EarnersCount":
        return cls(
            track=count.track,
            level=count.level,
            level_name=count.level_name,
            earners=count.earners,
            achievement_id=count.achievement_id,
        )


@strawberry.type(description="One UTC calendar month.")
class MonthCounts:
    month: str = strawberry.field(description="YYYY-MM")
    counts: list[EarnersCount]


@strawberry.type(description="How many earners reached which level, over a period and by month.")
class OrganisationStatsReport:
    start: datetime.datetime = strawberry.field(name="from")
    end: datetime.datetime = strawberry.field(name="to")
    totals: list[EarnersCount]
    months: list[MonthCounts]
    issuer_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def issuer(self, info: Info) -> Issuer | None:
        found = await info.context.loaders.issuers.load(self.issuer_id)
        return Issuer.from_domain(found) if found else None

    @classmethod
    def from_domain(cls, stats: OrganisationStats) -> "OrganisationStatsReport":
        return cls(
            start=stats.start,
            end=stats.end,
            totals=[EarnersCount.from_domain(c) for c in stats.totals],
            months=[
                MonthCounts(month=m.month, counts=[EarnersCount.from_domain(c) for c in m.counts])
                for m in stats.months
            ],
            issuer_id=stats.issuer_id,
        )


@strawberry.enum
class Verdict(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    UNVERIFIABLE = "unverifiable"


@strawberry.type(description="One check; code and status are stable, message is localised.")
class VerificationCheck:
    code: str
    status: str
    message: str
    detail: JSON | None


@strawberry.type(description="The same report as POST /api/v1/verifications.")
class VerificationReport:
    verified: bool
    verdict: Verdict
    verdict_reason: str | None
    headline: str
    format: str | None
    summary: JSON
    checks: list[VerificationCheck]

    @classmethod
    def from_domain(cls, report: Report) -> "VerificationReport":
        return cls(
            verified=report.verified,
            verdict=Verdict(report.verdict),
            verdict_reason=report.verdict_reason,
            headline=report.headline,
            format=report.format,
            summary=cast("JSON", report.summary),
            checks=[
                VerificationCheck(
                    code=check["code"],
                    status=check["status"],
                    message=check["message"],
                    detail=check.get("detail"),
                )
                for check in report.checks
            ],
        )


@strawberry.input(description="Exactly one of credential, jwt or url.")
class VerifyCredentialInput:
    credential: JSON | None = None
    jwt: str | None = None
    url: str | None = None
    recipient_email: str | None = None
