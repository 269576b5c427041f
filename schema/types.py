"""The portfolio's GraphQL types, built from the domain's frozen views (never ORM records).

Relations resolve through the request's batch loaders (`schema.context`), so a list of any
length costs one statement per relation. Unbounded lists are cursor connections; the short
ones whose length the catalogue bounds (a credential's evidence, a learner's levels, an
achievement's alignments) are plain lists.
"""

import asyncio
import datetime
import enum
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import cast

import msgspec
import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types.nodes import SelectedField, Selection

from schema.connections import Connection, page_size, paginate_built
from schema.context import Context
from schema.errors import coded
from schema.ids import global_id, parse_global_id
from schema.transcripts import TranscriptOut, transcript_of
from service.domain.catalogue.achievements import Achievement as AchievementView
from service.domain.catalogue.achievements import Alignment as AlignmentView
from service.domain.issuers.issuers import IssuerProfile
from service.domain.portfolios.portfolios import (
    EvidenceItem,
    PortfolioCredential,
    SignedForms,
)
from service.domain.portfolios.portfolios import Learner as LearnerView
from service.domain.portfolios.standings import (
    CredentialFilter,
    covered_alignments,
    highest_levels,
    select_credentials,
)

Info = strawberry.Info[Context, None]


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID


@strawberry.enum
class CredentialStatus(enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


@strawberry.type(description="A competency an achievement is aligned to.")
class Alignment:
    framework: str
    code: str
    name: str
    url: str

    @classmethod
    def from_domain(cls, alignment: AlignmentView) -> "Alignment":
        return cls(
            framework=alignment.framework,
            code=alignment.code,
            name=alignment.name,
            url=alignment.url,
        )


@strawberry.type(description="An organisation that awards badges and signs them.")
class Issuer(Node):
    id: strawberry.ID
    slug: str
    did: str = strawberry.field(description="the issuer's id in its credentials (did:web)")
    name: str
    url: str
    email: str
    image_url: str | None
    description: str | None

    @classmethod
    def from_domain(cls, profile: IssuerProfile) -> "Issuer":
        return cls(
            id=strawberry.ID(global_id("Issuer", profile.id)),
            slug=profile.slug,
            did=profile.did,
            name=profile.name,
            url=profile.url,
            email=profile.email,
            image_url=profile.image_url,
            description=profile.description,
        )


@strawberry.type(description="A badge definition: one level of a training track.")
class Achievement(Node):
    id: strawberry.ID
    slug: str
    url: str
    name: str
    description: str
    criteria: str
    track: str
    level: int
    level_name: str
    image_url: str | None
    tags: list[str]
    alignments: list[Alignment]
    issuer: Issuer | None
    hours: float | None = strawberry.field(
        description="continuing-education hours the training is worth (its current version)"
    )

    @classmethod
    def from_domain(
        cls, achievement: AchievementView, url: str, issuer: IssuerProfile | None
    ) -> "Achievement":
        return cls(
            id=strawberry.ID(global_id("Achievement", achievement.id)),
            slug=achievement.slug,
            url=url,
            name=achievement.name,
            description=achievement.description,
            criteria=achievement.criteria,
            track=achievement.track,
            level=achievement.level,
            level_name=achievement.level_name,
            image_url=achievement.image_url,
            tags=list(achievement.tags),
            alignments=[Alignment.from_domain(a) for a in achievement.alignments],
            issuer=Issuer.from_domain(issuer) if issuer else None,
            hours=achievement.hours,
        )


@strawberry.type(description="One answered reflection prompt: the evidence behind a badge.")
class Evidence:
    """Plain fields (a resolver per field costs the executor more than the field itself).

    An answer the caller may not read (PortfolioService left it None) is its FORBIDDEN error:
    graphql-core raises an error it finds as a field's value at that field, as it would a
    resolver's, so the answer is null with that error at its path.
    """

    item: strawberry.Private[EvidenceItem]
    prompt: str
    answer: str | GraphQLError = strawberry.field(
        graphql_type=str | None,
        description="the answer; null (FORBIDDEN) unless public or yours to read",
    )
    digest: str = strawberry.field(
        description="the answer's SRI digest, as signed in the credential"
    )

    @classmethod
    def of(cls, item: EvidenceItem) -> "Evidence":
        answer = item.answer
        if answer is None:
            refusal = coded("this reflection is private to its earner", "FORBIDDEN")
            return cls(item=item, prompt=item.prompt, answer=refusal, digest=item.digest)
        return cls(item=item, prompt=item.prompt, answer=answer, digest=item.digest)


async def achievements_of(info: Info, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Achievement]:
    """Achievements with their issuers, through the loaders (one batch each)."""
    loaders, urls = info.context.loaders, info.context.reader.runtime.urls
    found = [a for a in await loaders.achievements.load_many(list(dict.fromkeys(ids))) if a]
    issuers = await loaders.issuers.load_many(list(dict.fromkeys(a.issuer_id for a in found)))
    by_id = {i.id: i for i in issuers if i is not None}
    return {
        a.id: Achievement.from_domain(a, urls.achievement(a.slug), by_id.get(a.issuer_id))
        for a in found
    }


async def achievement_of(info: Info, found: AchievementView | None) -> Achievement | None:
    return (await achievements_of(info, [found.id])).get(found.id) if found else None


@strawberry.type(description="An issued Open Badges 3.0 credential.")
class Credential(Node):
    """Built a page at a time by `credentials_of`, relations loaded beforehand in batches.

    Its fields then resolve without awaiting: a page of 100 costs no task per field.
    """

    id: strawberry.ID
    url: str
    awarded_at: datetime.datetime = strawberry.field(
        description="when the learner earned it: the credential's awardedDate"
    )
    issued_at: datetime.datetime = strawberry.field(
        description="when Insigne signed it: the credential's validFrom"
    )
    status: CredentialStatus
    valid_from: datetime.datetime | None = strawberry.field(
        description="the signed credential's validFrom: when Insigne signed it, to the second"
    )
    valid_until: datetime.datetime | None = strawberry.field(
        description="the signed credential's validUntil, when it has one"
    )
    achievement: Achievement | None
    issuer: Issuer | None
    evidence: list[Evidence]
    document: JSON | None = strawberry.field(
        description="the signed JSON-LD credential, exactly as issued"
    )
    jwt: str | None = strawberry.field(description="the same credential as a signed VC-JWT")


_SIGNED_FIELDS = frozenset({"document", "jwt", "validUntil"})  # validFrom is issued_at


def _selected(selections: Iterable[Selection]) -> Iterator[str]:
    """Every field name under a selection, at any depth (fragments included)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection.name
        yield from _selected(selection.selections)


async def _forms(info: Info, ids: list[uuid.UUID], wanted: set[str]) -> list[SignedForms | None]:
    if not wanted & _SIGNED_FIELDS:
        return [None] * len(ids)
    return list(await info.context.loaders.signed_forms.load_many(ids))


async def _evidence(
    info: Info, ids: list[uuid.UUID], wanted: set[str]
) -> list[list[EvidenceItem] | None]:
    if "evidence" not in wanted:
        return [None] * len(ids)
    return list(await info.context.loaders.evidence.load_many(ids))


async def credentials_of(info: Info, records: Sequence[PortfolioCredential]) -> list[Credential]:
    """Credentials with the relations the query selects, loaded in one batch per relation."""
    loaders, urls = info.context.loaders, info.context.reader.runtime.urls
    ids = [r.id for r in records]
    wanted = set(_selected(info.selected_fields))  # an over-approximation, never short
    has_until = "validUntil" in wanted
    forms, evidence, achievements, issuers = await asyncio.gather(
        _forms(info, ids, wanted),
        _evidence(info, ids, wanted),
        achievements_of(info, (r.achievement_id for r in records)),
        loaders.issuers.load_many(list(dict.fromkeys(r.issuer_id for r in records))),
    )
    issuer_by_id = {i.id: Issuer.from_domain(i) for i in issuers if i is not None}
    return [
        Credential(
            id=strawberry.ID(global_id("Credential", record.id)),
            url=urls.credential(record.id),
            awarded_at=record.awarded_at,
            issued_at=record.issued_at,
            status=CredentialStatus(record.status),
            valid_from=record.valid_from,
            # Read from the signed text (a scan of it), so only when asked for.
            valid_until=_datetime(signed.valid_until if signed and has_until else None),
            achievement=achievements.get(record.achievement_id),
            issuer=issuer_by_id.get(record.issuer_id),
            evidence=[Evidence.of(item) for item in items or []],
            # The stored text as is: encoded into the answer verbatim, never parsed here.
            document=cast("JSON", msgspec.Raw(signed.signed_json)) if signed else None,
            jwt=signed.jwt if signed else None,
        )
        for record, signed, items in zip(records, forms, evidence, strict=True)
    ]


def _datetime(value: str | None) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@strawberry.input(
    description="Every criterion given must match; award dates (awardedAt), exclusive bounds."
)
class CredentialFilterInput:
    issuer: strawberry.ID | None = None
    achievement: strawberry.ID | None = None
    track: str | None = None
    status: CredentialStatus | None = None
    awarded_after: datetime.datetime | None = None
    awarded_before: datetime.datetime | None = None


@strawberry.type(description="The highest level reached in a track.")
class Level:
    track: str
    level: int
    level_name: str
    achievement: Achievement | None
    credential: Credential


@strawberry.type(description="A competency covered by the earner's badges, with those badges.")
class CoveredAlignment:
    framework: str
    code: str
    name: str
    url: str
    covering: strawberry.Private[list[PortfolioCredential]]

    @strawberry.field
    async def credentials(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Credential]:
        return await paginate_built(
            self.covering,
            _size(info, first),
            after,
            lambda page: credentials_of(info, page),
            info.selected_fields,
        )


def _size(info: Info, first: int | None) -> int:
    settings = info.context.settings
    return page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)


@strawberry.type(description="An earner's portfolio, as the caller may see it.")
class Learner(Node):
    id: strawberry.ID
    name: str
    view: strawberry.Private[LearnerView]

    @classmethod
    def from_domain(cls, view: LearnerView) -> "Learner":
        return cls(id=strawberry.ID(global_id("Learner", view.id)), name=view.name, view=view)

    async def _achievements(self, info: Info) -> dict[uuid.UUID, AchievementView]:
        ids = list(dict.fromkeys(c.achievement_id for c in self.view.credentials))
        found = await info.context.loaders.achievements.load_many(ids)
        return {a.id: a for a in found if a is not None}

    @strawberry.field(description="newest award first")
    async def credentials(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: CredentialFilterInput | None = None,
    ) -> Connection[Credential]:
        size = _size(info, first)
        chosen = select_credentials(
            self.view.credentials, filter_of(filter), await self._achievements(info)
        )
        return await paginate_built(
            chosen, size, after, lambda page: credentials_of(info, page), info.selected_fields
        )

    @strawberry.field(
        description="the highest level reached in each track (revoked left out), "
        "at most the largest page"
    )
    async def levels(self, info: Info) -> list[Level]:
        by_id = {c.id: c for c in self.view.credentials}
        reached = highest_levels(self.view.credentials, await self._achievements(info))
        reached = reached[: info.context.settings.max_page_size]
        built = await credentials_of(info, [by_id[level.credential_id] for level in reached])
        achievements = await achievements_of(info, (level.achievement_id for level in reached))
        return [
            Level(
                track=level.track,
                level=level.level,
                level_name=level.level_name,
                achievement=achievements.get(level.achievement_id),
                credential=credential,
            )
            for level, credential in zip(reached, built, strict=True)
        ]

    @strawberry.field(
        description="the signed continuing-education transcript (CLR 2.0) of a period: a legal "
        "one (``2025-2027``) or a range (``2025-07-01/2026-06-30``); none: the current legal "
        "period; null when no badge the caller may see falls in it"
    )
    async def transcript(self, info: Info, period: str | None = None) -> TranscriptOut | None:
        return await transcript_of(info, self.view.id, period)

    @strawberry.field(description="the competencies covered, each once, at most the largest page")
    async def alignments(self, info: Info) -> list[CoveredAlignment]:
        by_id = {c.id: c for c in self.view.credentials}
        covered = covered_alignments(self.view.credentials, await self._achievements(info))
        return [
            CoveredAlignment(
                framework=covered.alignment.framework,
                code=covered.alignment.code,
                name=covered.alignment.name,
                url=covered.alignment.url,
                covering=[by_id[i] for i in covered.credential_ids],
            )
            for covered in covered[: info.context.settings.max_page_size]
        ]


def filter_of(given: CredentialFilterInput | None) -> CredentialFilter:
    if given is None:
        return CredentialFilter()
    return CredentialFilter(
        issuer_id=parse_global_id(given.issuer, "Issuer")[1] if given.issuer else None,
        achievement_id=(
            parse_global_id(given.achievement, "Achievement")[1] if given.achievement else None
        ),
        track=given.track,
        status=given.status.value if given.status else None,
        awarded_after=given.awarded_after,
        awarded_before=given.awarded_before,
    )
