"""The badge catalogue: achievements, their levels and reflection prompts."""

import contextlib
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from service.db.tables import AchievementRecord, PromptRecord
from service.domain.clock import Clock, utc_now
from service.domain.errors import NotFound


@dataclass(frozen=True)
class Prompt:
    key: str
    text: str
    min_length: int
    max_length: int
    is_required: bool


@dataclass(frozen=True)
class Alignment:
    framework: str
    code: str
    name: str
    url: str


@dataclass(frozen=True)
class Achievement:
    id: uuid.UUID
    slug: str
    issuer_id: uuid.UUID
    track: str
    level: int
    level_name: str
    name: str
    description: str
    criteria: str
    image_url: str | None
    alignments: tuple[Alignment, ...]
    tags: tuple[str, ...]
    in_language: str
    prompts: tuple[Prompt, ...]


@dataclass(frozen=True)
class NewAchievement:
    slug: str
    track: str
    level: int
    level_name: str
    name: str
    description: str
    criteria: str
    in_language: str
    prompts: tuple[Prompt, ...]
    alignments: tuple[Alignment, ...] = ()
    tags: tuple[str, ...] = ()
    image_url: str | None = None


class AchievementService:
    def __init__(self, session: AsyncSession, clock: Clock = utc_now) -> None:
        self._session = session
        self._clock = clock

    async def list(self) -> list[Achievement]:
        records = await self._session.scalars(
            select(AchievementRecord)
            .options(joinedload(AchievementRecord.prompts))
            .order_by(AchievementRecord.track, AchievementRecord.level)
        )
        return [_achievement(record) for record in records.unique()]

    async def get(self, slug_or_id: str) -> Achievement:
        """By slug, or by id (platforms may send either)."""
        condition = AchievementRecord.slug == slug_or_id
        with contextlib.suppress(ValueError):
            condition = or_(condition, AchievementRecord.id == uuid.UUID(slug_or_id))
        records = await self._session.scalars(
            select(AchievementRecord)
            .options(joinedload(AchievementRecord.prompts))
            .where(condition)
        )
        record = records.unique().first()
        if record is None:
            raise NotFound(f"no achievement {slug_or_id!r}")
        return _achievement(record)

    async def create(self, issuer_id: uuid.UUID, new: NewAchievement) -> Achievement:
        record = AchievementRecord(
            slug=new.slug,
            issuer_id=issuer_id,
            track=new.track,
            level=new.level,
            level_name=new.level_name,
            name=new.name,
            description=new.description,
            criteria=new.criteria,
            image_url=new.image_url,
            alignments=[vars(a) for a in new.alignments],
            tags=list(new.tags),
            in_language=new.in_language,
            created_at=self._clock(),
        )
        self._session.add(record)
        await self._session.flush()
        for position, prompt in enumerate(new.prompts):
            self._session.add(
                PromptRecord(
                    achievement_id=record.id,
                    key=prompt.key,
                    position=position,
                    text=prompt.text,
                    min_length=prompt.min_length,
                    max_length=prompt.max_length,
                    is_required=prompt.is_required,
                )
            )
        await self._session.flush()
        return await self.get(new.slug)


def _achievement(record: AchievementRecord) -> Achievement:
    return Achievement(
        id=record.id,
        slug=record.slug,
        issuer_id=record.issuer_id,
        track=record.track,
        level=record.level,
        level_name=record.level_name,
        name=record.name,
        description=record.description,
        criteria=record.criteria,
        image_url=record.image_url,
        alignments=tuple(Alignment(**a) for a in record.alignments),
        tags=tuple(record.tags),
        in_language=record.in_language,
        prompts=tuple(
            Prompt(p.key, p.text, p.min_length, p.max_length, p.is_required) for p in record.prompts
        ),
    )
