"""The root fields: portfolios, the public catalogue, organisation statistics, verification.

Each root lookup opens a read unit of its own (siblings run concurrently); the services
decide who may see what, through the visibility policy.
"""

import datetime
from typing import Annotated, Any

import strawberry

from schema.connections import Connection, page_size, paginate
from schema.context import Context
from schema.errors import bad_input, coded
from schema.ids import parse_global_id
from schema.reports import OrganisationStatsReport, VerificationReport, VerifyCredentialInput
from schema.types import (
    Achievement,
    Issuer,
    Learner,
    Node,
    achievement_of,
    achievements_of,
    credentials_of,
)
from service.domain.catalogue.achievements import Achievement as AchievementView
from service.domain.errors import TooManyAttempts
from service.domain.messages import pick_language
from service.domain.portfolios.portfolios import AchievementFilter
from service.domain.verification.verifications import Submission
from service.throttling import count_verification

Info = strawberry.Info[Context, None]


@strawberry.input(description="Narrow the catalogue; every criterion given must match.")
class AchievementFilterInput:
    issuer: strawberry.ID | None = None
    track: str | None = None


def _size(info: Info, first: int | None) -> int:
    settings = info.context.settings
    return page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)


async def _built(info: Info, found: list[AchievementView]) -> list[Achievement]:
    info.context.loaders.achievements.prime_many({a.id: a for a in found})
    built = await achievements_of(info, (a.id for a in found))
    return [built[a.id] for a in found]


@strawberry.type
class Query:
    @strawberry.field(description="An object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        kind, key = parse_global_id(id, "Learner", "Credential", "Achievement", "Issuer")
        loaders = info.context.loaders
        if kind == "Achievement":
            return await achievement_of(info, await loaders.achievements.load(key))
        if kind == "Issuer":
            issuer = await loaders.issuers.load(key)
            return Issuer.from_domain(issuer) if issuer else None
        async with info.context.reader.services() as services:
            if kind == "Learner":
                return Learner.from_domain(await services.portfolios.find_learner(learner_id=key))
            found = (await services.portfolios.credentials([key])).get(key)
        return (await credentials_of(info, [found]))[0] if found else None

    @strawberry.field(description="An earner's portfolio by e-mail or id (portfolio:read).")
    async def learner(
        self, info: Info, email: str | None = None, id: strawberry.ID | None = None
    ) -> Learner | None:
        if (email is None) == (id is None):
            raise bad_input("give exactly one of email or id")
        learner_id = parse_global_id(id, "Learner")[1] if id is not None else None
        async with info.context.reader.services() as services:
            view = await services.portfolios.find_learner(email=email, learner_id=learner_id)
        return Learner.from_domain(view)

    @strawberry.field(description="The public catalogue of achievements, by track and level.")
    async def achievements(
        self,
        info: Info,
        filter: AchievementFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Achievement]:
        size = _size(info, first)
        where = AchievementFilter(
            issuer_id=parse_global_id(filter.issuer, "Issuer")[1]
            if filter and filter.issuer
            else None,
            track=filter.track if filter else None,
        )
        async with info.context.reader.services() as services:
            found = await services.portfolios.achievements(where=where)
        return paginate(await _built(info, found), size, after)

    @strawberry.field(description="An achievement by its slug.")
    async def achievement(self, info: Info, slug: str) -> Achievement | None:
        async with info.context.reader.services() as services:
            found = await services.portfolios.achievements(slug=slug)
        if not found:
            raise coded(f"no achievement {slug[:100]!r}", "NOT_FOUND")
        return (await _built(info, found))[0]

    @strawberry.field(description="The issuers hosted here, by name.")
    async def issuers(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Issuer]:
        size = _size(info, first)
        async with info.context.reader.services() as services:
            found = await services.portfolios.issuers()
        return paginate([Issuer.from_domain(i) for i in found], size, after)

    @strawberry.field(description="An issuer by its global id.")
    async def issuer(self, info: Info, id: strawberry.ID) -> Issuer | None:
        found = await info.context.loaders.issuers.load(parse_global_id(id, "Issuer")[1])
        if found is None:
            raise coded("no such issuer", "NOT_FOUND")
        return Issuer.from_domain(found)

    @strawberry.field(
        description="Earners per achievement and level awarded in [from, to), and per UTC month "
        "of the award (awardedAt); for clients the issuer authorised."
    )
    async def organisation_stats(
        self,
        info: Info,
        issuer: strawberry.ID,
        start: Annotated[datetime.datetime, strawberry.argument(name="from")],
        end: Annotated[datetime.datetime, strawberry.argument(name="to")],
    ) -> OrganisationStatsReport | None:
        issuer_id = parse_global_id(issuer, "Issuer")[1]
        async with info.context.reader.services() as services:
            stats = await services.stats.organisation(issuer_id, start, end)
        return OrganisationStatsReport.from_domain(stats)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Verify a credential: the same report as the REST API.")
    async def verify_credential(
        self, info: Info, input: VerifyCredentialInput
    ) -> VerificationReport:
        caller = await _throttle(info)
        credential: Any = input.credential
        if credential is not None and not isinstance(credential, dict):
            raise bad_input("credential must be a JSON object")
        submission = Submission(
            credential=credential,
            jwt=input.jwt,
            url=input.url,
            recipient_email=input.recipient_email,
        )
        request = info.context.request
        language = pick_language(request.headers.get("accept-language") if request else None)
        verifications = info.context.reader.runtime.verifications()
        report = await verifications.verify(submission, language, caller=caller)
        return VerificationReport.from_domain(report)


async def _throttle(info: Info) -> str:
    """The verification rate limits of the REST API, on the same counters; open when down.

    Returns the caller as counted.
    """
    context = info.context
    try:
        return await count_verification(context.reader.runtime, context.principal, context.address)
    except TooManyAttempts as refusal:
        raise coded(str(refusal), "RATE_LIMITED", retryAfter=refusal.retry_after) from None


__all__ = ["Mutation", "Query"]
