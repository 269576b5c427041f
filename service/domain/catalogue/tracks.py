"""Training tracks with ordered levels, and the rule that a level may require the one below.

A track is named by its achievements (``track``, ``level``): *Leadership pédagonumérique*
1 Explorateur, 2 …, 3 …. When the track says so, a completion for level n is refused unless
the learner (by e-mail) holds an active credential for level n-1 of the same track.
A track is always its issuer's: names are unique per issuer, and every rule resolves a track
within the achievement's own issuer, so another issuer naming a track alike changes nothing.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import (
    AchievementRecord,
    CompletionRecord,
    CredentialRecord,
    IssuerRecord,
    LearnerRecord,
    TrackRecord,
)
from service.domain.catalogue.achievements import Achievement
from service.domain.clients.audit import record_event
from service.domain.clients.visibility import CredentialFacts, Viewer
from service.domain.clock import Clock, utc_now
from service.domain.credentials.facts import FACTS
from service.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from service.domain.issuers.issuers import IssuerService
from service.domain.texts import Said


@dataclass(frozen=True)
class Track:
    id: uuid.UUID
    slug: str
    issuer: str
    name: str
    requires_previous_level: bool


class TrackService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        viewer: Viewer,
        issuers: IssuerService,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._viewer = viewer
        self._issuers = issuers
        self._clock = clock

    async def create(
        self, *, slug: str, issuer: str, name: str, requires_previous_level: bool, actor: str
    ) -> Track:
        profile = await self._issuers.find(issuer)
        if profile is None or not self._viewer.may_administer(issuer):
            raise InvalidInput(
                [FieldProblem("issuer", Said("issuer-not-administered", slug=issuer))]
            )
        clash = await self._session.scalar(
            select(TrackRecord.id).where(
                (TrackRecord.slug == slug)
                | ((TrackRecord.issuer_id == profile.id) & (TrackRecord.name == name))
            )
        )
        if clash is not None:
            raise Conflict(Said("track-exists"))
        record = TrackRecord(
            slug=slug,
            issuer_id=profile.id,
            name=name,
            requires_previous_level=requires_previous_level,
            created_at=self._clock(),
        )
        self._session.add(record)
        await self._session.flush()
        await record_event(
            self._session,
            actor=actor,
            action="track.create",
            subject=slug,
            clock=self._clock,
            issuer=issuer,
        )
        return Track(record.id, slug, issuer, name, requires_previous_level)

    async def update(self, slug: str, *, requires_previous_level: bool | None, actor: str) -> Track:
        record, issuer = await self._administered(slug)
        if requires_previous_level is not None:
            record.requires_previous_level = requires_previous_level
        await self._session.flush()
        await record_event(
            self._session,
            actor=actor,
            action="track.update",
            subject=slug,
            detail={"requiresPreviousLevel": record.requires_previous_level},
            clock=self._clock,
            issuer=issuer,
        )
        return Track(record.id, slug, issuer, record.name, record.requires_previous_level)

    async def tracks(self) -> list[Track]:
        """The tracks of the issuers the caller administers (other issuers' are not read)."""
        administered = self._viewer.administered()
        query = (
            select(TrackRecord, IssuerRecord.slug)
            .join(IssuerRecord, IssuerRecord.id == TrackRecord.issuer_id)
            .order_by(TrackRecord.name)
        )
        if administered is not None:
            query = query.where(IssuerRecord.slug.in_(sorted(administered)))
        return [
            Track(record.id, record.slug, issuer, record.name, record.requires_previous_level)
            for record, issuer in await self._session.execute(query)
        ]

    async def _administered(self, slug: str) -> tuple[TrackRecord, str]:
        record = await self._session.scalar(select(TrackRecord).where(TrackRecord.slug == slug))
        issuer = (await self._issuers.by_id(record.issuer_id)).slug if record else ""
        if record is None or not self._viewer.may_administer(issuer):
            raise NotFound(Said("track-unknown", slug=slug))
        return record, issuer


_REQUIRES = select(TrackRecord.requires_previous_level).where(
    TrackRecord.issuer_id == bindparam("issuer"), TrackRecord.name == bindparam("track")
)  # built once: every issuance asks


async def check_previous_level(
    session: AsyncSession, achievement: Achievement, email: str, viewer: Viewer
) -> None:
    """Refuse a level whose track requires the one below when the learner lacks it.

    Only badges the visibility policy lets this platform see count: the answer must not tell
    a client whether an e-mail address holds a badge it could not read otherwise.
    """
    if achievement.level <= 1:
        return  # nothing below it: no rule to read
    requires = await session.scalar(
        _REQUIRES, {"issuer": achievement.issuer_id, "track": achievement.track}
    )
    if not requires:
        return
    below = await session.scalar(
        select(AchievementRecord.id).where(
            AchievementRecord.issuer_id == achievement.issuer_id,
            AchievementRecord.track == achievement.track,
            AchievementRecord.level == achievement.level - 1,
        )
    )
    found: Sequence[CredentialFacts] = (
        (
            await session.scalars(
                select(FACTS)
                .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
                .join(LearnerRecord, LearnerRecord.id == CompletionRecord.learner_id)
                .join(IssuerRecord, IssuerRecord.id == CredentialRecord.issuer_id)
                .where(
                    CompletionRecord.achievement_id == below,
                    LearnerRecord.email == email,
                    CredentialRecord.status == "active",
                )
            )
        ).all()
        if below is not None
        else []
    )
    if not any(viewer.is_platform_for(facts) for facts in found):
        raise InvalidInput(
            [
                FieldProblem(
                    "achievement",
                    Said(
                        "level-requires-previous",
                        level=achievement.level,
                        track=achievement.track,
                        previous=achievement.level - 1,
                    ),
                )
            ]
        )
