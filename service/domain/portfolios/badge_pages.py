"""What the badge pages show: read models built from the signed credential and its records.

What a page says about a badge comes from the signed credential (what the issuer certified);
its level and track from the achievement; its status from the record. Whether the answers are
shown is asked of the visibility policy, never decided here. Nothing in this module formats a
page: the HTML faces render these frozen views.
"""

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges import FairThreads
from openbadges.baking import bake
from service.db.tables import (
    AchievementRecord,
    AchievementVersionRecord,
    CompletionRecord,
    CredentialRecord,
    EvidenceRecord,
    IssuerRecord,
)
from service.domain.catalogue.achievements import Achievement, to_achievement
from service.domain.catalogue.badge_art import (
    BadgeArt,
    badge_png,
    badge_svg,
    preview_card,
    qr_png,
    qr_svg,
)
from service.domain.clients.visibility import Viewer
from service.domain.clock import Clock, utc_now
from service.domain.credentials.facts import credential_facts
from service.domain.credentials.signed_fields import awarded_at, read_datetime
from service.domain.errors import NotFound
from service.domain.texts import Said
from service.domain.urls import Urls

PageStatus = Literal["valid", "revoked", "suspended", "expired"]
ImageKind = Literal["svg", "png"]


PICTURES = FairThreads(2, "insigne-pictures")
"""The threads that draw badge PNGs, link-preview cards and QR codes (5-60 ms each when not
kept), apart from the default executor; callers take them in turn (`service.api.lanes`), so a
crawler's hundreds of cards do not make a visitor's one wait behind them."""


@dataclass(frozen=True)
class Picture:
    """A picture as a read unit found it, drawn once the unit is closed (`draw`).

    It may wait for a turn on the `PICTURES` threads: inside the unit, a flood of pictures
    waiting their turn would hold every connection of the pool.
    """

    step: Callable[..., bytes]  # draws it, on the pictures' threads
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    is_text: bool = False  # an SVG written as text: no thread
    credential: Any = None  # the signed credential to bake into it, if any

    async def draw(self) -> bytes:
        if self.is_text:
            image = self.step(*self.args, **self.kwargs)
        else:
            image = await PICTURES.run(self.step, *self.args, **self.kwargs)
        # The library bakes the parsed document; its JSON is the one that was signed and stored.
        return image if self.credential is None else bake(image, self.credential)


def badge(art: BadgeArt, kind: ImageKind) -> Picture:
    """The designed badge: a PNG drawn in about 50 ms when not kept, or an SVG (text).

    Every tenant's designs share the cache.
    """
    return Picture(badge_png, (art,)) if kind == "png" else Picture(badge_svg, (art,), is_text=True)


async def badge_picture(art: BadgeArt, kind: ImageKind) -> bytes:
    """The designed badge, drawn (no unit may be open: see `Picture`)."""
    return await badge(art, kind).draw()


class Withdrawn(NotFound):
    """The credential was withdrawn: its page answers 410 Gone (a revoked one stays, marked)."""


@dataclass(frozen=True)
class Alignment:
    """An alignment as a page lists it: one claimed in a signed credential may lack any member."""

    framework: str | None
    code: str | None
    name: str | None
    url: str | None


@dataclass(frozen=True)
class Reflection:
    prompt: str
    answer: str


@dataclass(frozen=True)
class IssuerView:
    slug: str
    name: str
    url: str | None
    image_url: str | None
    description: str | None
    page_url: str


@dataclass(frozen=True)
class AchievementView:
    slug: str
    name: str
    track: str
    level: int
    level_name: str
    description: str
    criteria: str
    image_url: str
    alignments: tuple[Alignment, ...]
    page_url: str
    issuer: IssuerView

    @property
    def art(self) -> BadgeArt:
        return BadgeArt(self.name, self.track, self.level, self.level_name)


@dataclass(frozen=True)
class BadgePage:
    """One credential as its public page (or its earner's page) shows it."""

    credential_id: uuid.UUID
    url: str
    name: str
    description: str
    criteria: str
    alignments: tuple[Alignment, ...]
    achievement: AchievementView
    issuer: IssuerView
    earner_name: str
    awarded_at: datetime
    valid_until: datetime | None
    status: PageStatus
    status_reason: str | None
    status_changed_at: datetime | None
    reflections: tuple[Reflection, ...] | None  # None: private for this viewer
    evidence_count: int
    reflections_in_credential: bool  # public for good
    evidence_public: bool
    hidden: bool
    viewer_is_earner: bool
    # Continuing-education hours as the signed badge states them (None: it states none).
    hours: str | None = None
    hours_available: str | None = None


class BadgePages:
    def __init__(self, session: AsyncSession, *, urls: Urls, clock: Clock = utc_now) -> None:
        self._session = session
        self._urls = urls
        self._clock = clock

    async def credential(self, credential_id: uuid.UUID, viewer: Viewer) -> BadgePage:
        """The page of a credential as `viewer` may see it (reflections per the policy)."""
        row = (
            await self._session.execute(
                select(
                    CredentialRecord,
                    CompletionRecord.achievement_id,
                    CompletionRecord.achievement_version,
                )
                .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
                .where(CredentialRecord.id == credential_id)
            )
        ).first()
        if row is None:
            raise NotFound(Said("no-such-credential"))
        record, achievement_id, version = row
        if record.status == "withdrawn":
            raise Withdrawn(Said("credential-withdrawn"))
        facts = await credential_facts(self._session, credential_id)
        document: dict[str, Any] = json.loads(record.signed_json)
        evidence = [e for e in _list(document.get("evidence")) if isinstance(e, dict)]
        reflections = (
            await self._reflections(record.completion_id, evidence)
            if viewer.may_read_reflections(facts)
            else None
        )
        achievement = await self._as_issued(achievement_id, version)
        subject = _first(document.get("credentialSubject"))
        claimed = _dict(subject.get("achievement"))
        valid_until = read_datetime(document.get("validUntil"))
        return BadgePage(
            credential_id=credential_id,
            url=self._urls.credential(credential_id),
            name=str(document.get("name") or claimed.get("name") or achievement.name),
            description=str(claimed.get("description") or achievement.description),
            criteria=str(_dict(claimed.get("criteria")).get("narrative") or achievement.criteria),
            alignments=tuple(_alignment(a) for a in _list(claimed.get("alignment"))) or (),
            achievement=achievement,
            issuer=achievement.issuer,
            earner_name=_earner_name(subject),
            awarded_at=awarded_at(document) or record.issued_at,
            valid_until=valid_until,
            status=self._status(record.status, valid_until),
            status_reason=record.status_reason,
            status_changed_at=record.status_changed_at,
            reflections=reflections,
            evidence_count=len(evidence),
            reflections_in_credential=facts.reflections_in_credential,
            evidence_public=facts.evidence_public,
            hidden=facts.hidden,
            viewer_is_earner=viewer.is_earner_of(facts),
            hours=_hours(subject.get("creditsEarned")),
            hours_available=_hours(claimed.get("creditsAvailable")),
        )

    async def _as_issued(self, achievement_id: uuid.UUID, version: int) -> AchievementView:
        """The achievement's view as the version the credential was issued under showed it."""
        current = await self._achievement(AchievementRecord.id == achievement_id)
        kept = AchievementVersionRecord
        definition = await self._session.scalar(
            select(kept.definition)
            .join(AchievementRecord, AchievementRecord.id == kept.achievement_id)
            .where(
                AchievementVersionRecord.achievement_id == achievement_id,
                AchievementVersionRecord.version == version,
                AchievementRecord.version != version,
            )
        )
        if definition is None:
            return current
        return replace(
            current,
            name=definition["name"],
            track=definition["track"],
            level=definition["level"],
            level_name=definition["levelName"],
            description=definition["description"],
            criteria=definition["criteria"],
            image_url=self._urls.own(definition["imageUrl"]) or current.image_url,
            alignments=tuple(
                Alignment(a.get("framework"), a.get("code"), a.get("name"), a.get("url"))
                for a in definition["alignments"]
            ),
        )

    async def achievement(self, slug: str) -> AchievementView:
        return await self._achievement(AchievementRecord.slug == slug)

    async def issuer(self, slug: str) -> tuple[IssuerView, tuple[AchievementView, ...]]:
        """An issuer and the badges it awards."""
        record = await self._session.scalar(select(IssuerRecord).where(IssuerRecord.slug == slug))
        if record is None:
            raise NotFound(Said("no-such-issuer"))
        achievements = await self._session.scalars(
            select(AchievementRecord)
            .where(AchievementRecord.issuer_id == record.id)
            .order_by(AchievementRecord.track, AchievementRecord.level)
        )
        issuer = self._issuer(record)
        return issuer, tuple(
            self._achievement_view(to_achievement(a), issuer) for a in achievements
        )

    async def catalogue(self) -> tuple[tuple[IssuerView, tuple[AchievementView, ...]], ...]:
        """Every issuer with the badges it still awards, for the home page.

        Archived badges and issuers with none are left out; two statements in all.
        """
        issuers = {
            record.id: self._issuer(record)
            for record in await self._session.scalars(
                select(IssuerRecord).order_by(IssuerRecord.name, IssuerRecord.slug)
            )
        }
        achievements = await self._session.scalars(
            select(AchievementRecord)
            .where(AchievementRecord.archived_at.is_(None))
            .order_by(AchievementRecord.track, AchievementRecord.level, AchievementRecord.name)
        )
        by_issuer: dict[uuid.UUID, list[AchievementView]] = {key: [] for key in issuers}
        for record in achievements:
            by_issuer[record.issuer_id].append(
                self._achievement_view(to_achievement(record), issuers[record.issuer_id])
            )
        return tuple((issuers[key], tuple(views)) for key, views in by_issuer.items() if views)

    async def baked(self, credential_id: uuid.UUID, kind: ImageKind) -> Picture:
        """The badge picture carrying the signed credential (Open Badges baking).

        The picture is the designed one: an achievement's own image at another address is
        not fetched here (no network call on a page request).
        """
        page = await self.credential(credential_id, Viewer())
        signed = await self._session.scalar(
            select(CredentialRecord.signed_json).where(CredentialRecord.id == credential_id)
        )
        return replace(badge(page.achievement.art, kind), credential=json.loads(str(signed)))

    async def card(self, credential_id: uuid.UUID) -> Picture:
        """The 1200×630 link-preview picture of a badge page.

        Drawn on the pictures' threads: a new one takes about 60 ms, which in the event loop
        would hold up every other request of the process.
        """
        page = await self.credential(credential_id, Viewer())
        names = {"earner": page.earner_name, "issuer": page.issuer.name}
        return Picture(preview_card, (page.achievement.art,), names)

    async def qr(self, credential_id: uuid.UUID, kind: ImageKind) -> Picture:
        """A QR code of the badge's permanent link (4-7 ms to draw, then kept)."""
        found = await self._session.scalar(
            select(CredentialRecord.status).where(CredentialRecord.id == credential_id)
        )
        if found is None or found == "withdrawn":
            raise NotFound(Said("no-such-credential"))
        url = self._urls.credential(credential_id)
        return Picture(qr_png if kind == "png" else qr_svg, (url,))

    async def achievement_image(self, slug: str, kind: ImageKind) -> Picture:
        return badge((await self.achievement(slug)).art, kind)

    def _status(self, stored: str, valid_until: datetime | None) -> PageStatus:
        if stored in ("revoked", "suspended"):
            return "revoked" if stored == "revoked" else "suspended"
        if valid_until is not None and valid_until <= self._clock():
            return "expired"
        return "valid"

    async def _reflections(
        self, completion_id: uuid.UUID, evidence: list[dict[str, Any]]
    ) -> tuple[Reflection, ...]:
        prompts = {str(e.get("id")): str(e.get("name") or "") for e in evidence}
        records = await self._session.scalars(
            select(EvidenceRecord)
            .where(EvidenceRecord.completion_id == completion_id)
            .order_by(EvidenceRecord.position)
        )
        return tuple(
            Reflection(prompts.get(self._urls.evidence(r.id), r.prompt_key), r.answer)
            for r in records
        )

    async def _achievement(self, condition: Any) -> AchievementView:  # noqa: ANN401 - a clause
        row = (
            await self._session.execute(
                select(AchievementRecord, IssuerRecord)
                .join(IssuerRecord, IssuerRecord.id == AchievementRecord.issuer_id)
                .where(condition)
            )
        ).first()
        if row is None:
            raise NotFound(Said("no-such-achievement"))
        return self._achievement_view(to_achievement(row[0]), self._issuer(row[1]))

    def _achievement_view(self, achievement: Achievement, issuer: IssuerView) -> AchievementView:
        """The page's view of `achievement`: its URLs resolved, its issuer's view beside it."""
        return AchievementView(
            slug=achievement.slug,
            name=achievement.name,
            track=achievement.track,
            level=achievement.level,
            level_name=achievement.level_name,
            description=achievement.description,
            criteria=achievement.criteria,
            image_url=self._urls.own(achievement.image_url)
            or self._urls.achievement_image(achievement.slug),
            alignments=tuple(
                Alignment(a.framework, a.code, a.name, a.url) for a in achievement.alignments
            ),
            page_url=self._urls.achievement(achievement.slug),
            issuer=issuer,
        )

    def _issuer(self, record: IssuerRecord) -> IssuerView:
        return IssuerView(
            slug=record.slug,
            name=record.name,
            url=record.url,
            image_url=self._urls.own(record.image_url),  # a page loads nothing from elsewhere
            description=record.description,
            page_url=self._urls.issuer(record.slug),
        )


def _alignment(item: object) -> Alignment:
    a = _dict(item)
    return Alignment(
        a.get("targetFramework"), a.get("targetCode"), a.get("targetName"), a.get("targetUrl")
    )


def _earner_name(subject: dict[str, Any]) -> str:
    for identifier in _list(subject.get("identifier")):
        item = _dict(identifier)
        if item.get("identityType") == "name" and item.get("hashed") is False:
            return str(item.get("identityHash"))
    return ""


def _list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first(value: object) -> dict[str, Any]:
    items = _list(value)
    return _dict(items[0]) if items else {}


def _hours(value: object) -> str | None:
    """Credits (hours, docs/hours.md) as the page writes them: ``3``, ``2.5``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{value:g}"
