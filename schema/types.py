"""The portfolio's GraphQL types, built from the domain's frozen views (never ORM records).

Relations resolve through the request's DataLoaders, so a list of any length costs one
statement per relation. Unbounded lists are cursor connections; the short ones whose length
the catalogue bounds (a credential's evidence, a learner's levels, an achievement's
alignments) are plain lists.
"""

import datetime
import enum
import uuid
from typing import cast

import strawberry
from strawberry.scalars import JSON

from schema.connections import Connection, page_size, paginate
from schema.context import Context
from schema.errors import coded
from schema.ids import global_id, parse_global_id
from service.domain.achievements import Alignment as AlignmentView
from service.domain.issuers import IssuerProfile
from service.domain.portfolios import AchievementSummary, EvidenceItem, PortfolioCredential
from service.domain.portfolios import Learner as LearnerView
from service.domain.standings import (
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
    issuer_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def issuer(self, info: Info) -> Issuer | None:
        found = await info.context.loaders.issuers.load(self.issuer_id)
        return Issuer.from_domain(found) if found else None

    @classmethod
    def from_domain(cls, achievement: AchievementSummary, url: str) -> "Achievement":
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
            issuer_id=achievement.issuer_id,
        )


@strawberry.type(description="One answered reflection prompt: the evidence behind a badge.")
class Evidence:
    item: strawberry.Private[EvidenceItem]

    @strawberry.field
    def prompt(self) -> str:
        return self.item.prompt

    @strawberry.field(description="the answer; null (FORBIDDEN) unless public or yours to read")
    def answer(self) -> str | None:
        if self.item.answer is None:
            raise coded("this reflection is private to its earner", "FORBIDDEN")
        return self.item.answer

    @strawberry.field(description="the answer's SRI digest, as signed in the credential")
    def digest(self) -> str:
        return self.item.digest


def achievement_of(info: Info, found: AchievementSummary | None) -> Achievement | None:
    if found is None:
        return None
    return Achievement.from_domain(found, info.context.reader.runtime.urls.achievement(found.slug))


@strawberry.type(description="An issued Open Badges 3.0 credential.")
class Credential(Node):
    id: strawberry.ID
    url: str
    awarded_at: datetime.datetime
    status: CredentialStatus
    record: strawberry.Private[PortfolioCredential]

    @classmethod
    def from_domain(cls, info: Info, record: PortfolioCredential) -> "Credential":
        return cls(
            id=strawberry.ID(global_id("Credential", record.id)),
            url=info.context.reader.runtime.urls.credential(record.id),
            awarded_at=record.issued_at,
            status=CredentialStatus(record.status),
            record=record,
        )

    @strawberry.field
    async def valid_from(self, info: Info) -> datetime.datetime | None:
        forms = await info.context.loaders.signed_forms.load(self.record.id)
        return _datetime(forms.valid_from if forms else None)

    @strawberry.field
    async def valid_until(self, info: Info) -> datetime.datetime | None:
        forms = await info.context.loaders.signed_forms.load(self.record.id)
        return _datetime(forms.valid_until if forms else None)

    @strawberry.field
    async def achievement(self, info: Info) -> Achievement | None:
        found = await info.context.loaders.achievements.load(self.record.achievement_id)
        return achievement_of(info, found)

    @strawberry.field
    async def issuer(self, info: Info) -> Issuer | None:
        found = await info.context.loaders.issuers.load(self.record.issuer_id)
        return Issuer.from_domain(found) if found else None

    @strawberry.field
    async def evidence(self, info: Info) -> list[Evidence]:
        items = await info.context.loaders.evidence.load(self.record.id) or []
        return [Evidence(item=item) for item in items]

    @strawberry.field(description="the signed JSON-LD credential, exactly as issued")
    async def document(self, info: Info) -> JSON | None:
        forms = await info.context.loaders.signed_forms.load(self.record.id)
        return cast("JSON", forms.document) if forms else None

    @strawberry.field(description="the same credential as a signed VC-JWT")
    async def jwt(self, info: Info) -> str | None:
        forms = await info.context.loaders.signed_forms.load(self.record.id)
        return forms.jwt if forms else None


def _datetime(value: str | None) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@strawberry.input(description="Every criterion given must match; dates are exclusive bounds.")
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
    achievement_id: strawberry.Private[uuid.UUID]
    credential: Credential

    @strawberry.field
    async def achievement(self, info: Info) -> Achievement | None:
        return achievement_of(
            info, await info.context.loaders.achievements.load(self.achievement_id)
        )


@strawberry.type(description="A competency covered by the earner's badges, with those badges.")
class CoveredAlignment:
    framework: str
    code: str
    name: str
    url: str
    covering: strawberry.Private[list[Credential]]

    @strawberry.field
    def credentials(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Credential]:
        settings = info.context.settings
        size = page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)
        return paginate(self.covering, size, after)


@strawberry.type(description="An earner's portfolio, as the caller may see it.")
class Learner(Node):
    id: strawberry.ID
    name: str
    view: strawberry.Private[LearnerView]

    @classmethod
    def from_domain(cls, view: LearnerView) -> "Learner":
        return cls(id=strawberry.ID(global_id("Learner", view.id)), name=view.name, view=view)

    async def _achievements(self, info: Info) -> dict[uuid.UUID, AchievementSummary]:
        ids = list(dict.fromkeys(c.achievement_id for c in self.view.credentials))
        found = await info.context.loaders.achievements.load_many(ids)
        return {a.id: a for a in found if a is not None}

    @strawberry.field(description="newest first")
    async def credentials(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: CredentialFilterInput | None = None,
    ) -> Connection[Credential]:
        settings = info.context.settings
        size = page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)
        chosen = select_credentials(
            self.view.credentials, filter_of(filter), await self._achievements(info)
        )
        return paginate([Credential.from_domain(info, c) for c in chosen], size, after)

    @strawberry.field(description="the highest level reached in each track (revoked left out)")
    async def levels(self, info: Info) -> list[Level]:
        by_id = {c.id: c for c in self.view.credentials}
        return [
            Level(
                track=level.track,
                level=level.level,
                level_name=level.level_name,
                achievement_id=level.achievement_id,
                credential=Credential.from_domain(info, by_id[level.credential_id]),
            )
            for level in highest_levels(self.view.credentials, await self._achievements(info))
        ]

    @strawberry.field(description="the competencies covered, each once")
    async def alignments(self, info: Info) -> list[CoveredAlignment]:
        by_id = {c.id: c for c in self.view.credentials}
        return [
            CoveredAlignment(
                framework=covered.alignment.framework,
                code=covered.alignment.code,
                name=covered.alignment.name,
                url=covered.alignment.url,
                covering=[Credential.from_domain(info, by_id[i]) for i in covered.credential_ids],
            )
            for covered in covered_alignments(self.view.credentials, await self._achievements(info))
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
