"""The badge catalogue: achievements, their levels and reflection prompts."""

import contextlib
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from service.db.tables import AchievementRecord, AchievementVersionRecord, PromptRecord
from service.domain.clock import Clock, utc_now
from service.domain.errors import NotFound


@dataclass(frozen=True)
class Prompt:
    key: str
    text: str
    min_length: int
    max_length: int
    is_required: bool
    text_en: str | None = None  # `text` is French, the catalogue's language


@dataclass(frozen=True)
class Alignment:
    framework: str
    code: str
    name: str
    url: str
    type: str = "CFItem"  # OB 3.0 AlignmentTargetType: one of its values, or "ext:…"


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
    version: int = 1
    archived_at: datetime | None = None

    def definition(self) -> dict[str, Any]:
        """What a version keeps: everything a credential or its page shows of the badge."""
        return {
            "name": self.name,
            "description": self.description,
            "criteria": self.criteria,
            "imageUrl": self.image_url,
            "levelName": self.level_name,
            "track": self.track,
            "level": self.level,
            "inLanguage": self.in_language,
            "alignments": [asdict(a) for a in self.alignments],
            "tags": list(self.tags),
            "prompts": [asdict(p) for p in self.prompts],
        }

    def at_version(self, version: int, definition: dict[str, Any]) -> "Achievement":
        """This achievement as `definition` (a stored version) described it."""
        return replace(
            self,
            version=version,
            name=definition["name"],
            description=definition["description"],
            criteria=definition["criteria"],
            image_url=definition["imageUrl"],
            level_name=definition["levelName"],
            track=definition["track"],
            level=definition["level"],
            in_language=definition["inLanguage"],
            alignments=tuple(Alignment(**a) for a in definition["alignments"]),
            tags=tuple(definition["tags"]),
            prompts=tuple(Prompt(**p) for p in definition["prompts"]),
        )


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


# Built once: every issuance reads its achievement.
_WITH_PROMPTS = select(AchievementRecord).options(joinedload(AchievementRecord.prompts))
_BY_SLUG = _WITH_PROMPTS.where(AchievementRecord.slug == bindparam("slug"))
_BY_SLUG_OR_ID = _WITH_PROMPTS.where(
    or_(AchievementRecord.slug == bindparam("slug"), AchievementRecord.id == bindparam("id"))
)


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
        statement, values = _BY_SLUG, dict[str, object](slug=slug_or_id)
        with contextlib.suppress(ValueError):
            statement, values = _BY_SLUG_OR_ID, {"slug": slug_or_id, "id": uuid.UUID(slug_or_id)}
        records = await self._session.scalars(statement, values)
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
            version=1,
        )
        self._session.add(record)
        await self._session.flush()
        self.add_prompts(record.id, new.prompts)
        await self._session.flush()
        created = await self.get(new.slug)
        await self.keep_version(created)
        return created

    def add_prompts(self, achievement_id: uuid.UUID, prompts: tuple[Prompt, ...]) -> None:
        for position, prompt in enumerate(prompts):
            self._session.add(
                PromptRecord(
                    achievement_id=achievement_id,
                    key=prompt.key,
                    position=position,
                    text=prompt.text,
                    text_en=prompt.text_en,
                    min_length=prompt.min_length,
                    max_length=prompt.max_length,
                    is_required=prompt.is_required,
                )
            )

    async def keep_version(self, achievement: Achievement) -> None:
        """Store `achievement`'s current definition, unless it is stored already."""
        stored = await self._session.scalar(
            select(AchievementVersionRecord.id).where(
                AchievementVersionRecord.achievement_id == achievement.id,
                AchievementVersionRecord.version == achievement.version,
            )
        )
        if stored is None:
            self._session.add(
                AchievementVersionRecord(
                    achievement_id=achievement.id,
                    version=achievement.version,
                    definition=achievement.definition(),
                    created_at=self._clock(),
                )
            )
            await self._session.flush()

    async def as_issued(self, achievement_id: uuid.UUID, version: int) -> Achievement:
        """The achievement as it was at `version` (the current one when none was kept)."""
        current = await self.get(str(achievement_id))
        if version == current.version:
            return current
        definition = await self._session.scalar(
            select(AchievementVersionRecord.definition).where(
                AchievementVersionRecord.achievement_id == achievement_id,
                AchievementVersionRecord.version == version,
            )
        )
        return current if definition is None else current.at_version(version, definition)


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
            Prompt(p.key, p.text, p.min_length, p.max_length, p.is_required, p.text_en)
            for p in record.prompts
        ),
        version=record.version,
        archived_at=record.archived_at,
    )
