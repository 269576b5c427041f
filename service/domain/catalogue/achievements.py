"""The badge catalogue: achievements, their levels and reflection prompts."""

import contextlib
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from service.db.direct import execute
from service.db.tables import AchievementRecord, AchievementVersionRecord, PromptRecord
from service.domain.clock import Clock, utc_now
from service.domain.errors import NotFound
from service.domain.texts import Said


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
    """The one read model of an achievement, for every reader.

    Its prompts are loaded by the readers that need them (issuance, the catalogue's API); the
    portfolio reads leave them empty to keep one statement per batch.
    """

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
    prompts: tuple[Prompt, ...] = ()
    version: int = 1
    archived_at: datetime | None = None
    hours: float | None = None  # continuing-education hours the training is worth

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
            "hours": self.hours,
        }


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
    hours: float | None = None


# Built once, on the tables (no ORM loading): every issuance reads its achievement this way.
_ACHIEVEMENTS = AchievementRecord.__table__
_PROMPTS = PromptRecord.__table__
_WITH_PROMPTS = (
    select(
        _ACHIEVEMENTS,
        _PROMPTS.c.key.label("prompt_key"),
        _PROMPTS.c.text.label("prompt_text"),
        _PROMPTS.c.min_length.label("prompt_min_length"),
        _PROMPTS.c.max_length.label("prompt_max_length"),
        _PROMPTS.c.is_required.label("prompt_is_required"),
        _PROMPTS.c.text_en.label("prompt_text_en"),
    )
    .select_from(_ACHIEVEMENTS.outerjoin(_PROMPTS, _PROMPTS.c.achievement_id == _ACHIEVEMENTS.c.id))
    .order_by(_PROMPTS.c.position)
)
_BY_SLUG = _WITH_PROMPTS.where(_ACHIEVEMENTS.c.slug == bindparam("slug"))
_BY_SLUG_OR_ID = _WITH_PROMPTS.where(
    or_(_ACHIEVEMENTS.c.slug == bindparam("slug"), _ACHIEVEMENTS.c.id == bindparam("id"))
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
        return [
            to_achievement(record, tuple(_prompt(p) for p in record.prompts))
            for record in records.unique()
        ]

    async def get(self, slug_or_id: str) -> Achievement:
        """By slug, or by id (platforms may send either)."""
        statement, values = _BY_SLUG, dict[str, object](slug=slug_or_id)
        with contextlib.suppress(ValueError):
            statement, values = _BY_SLUG_OR_ID, {"slug": slug_or_id, "id": uuid.UUID(slug_or_id)}
        rows = (await execute(self._session, statement, values)).all()
        if not rows:
            raise NotFound(Said("achievement-unknown", slug=slug_or_id))
        first = rows[0]  # a slug that is another achievement's id: the first one found
        prompts = tuple(
            Prompt(
                row.prompt_key,
                row.prompt_text,
                row.prompt_min_length,
                row.prompt_max_length,
                row.prompt_is_required,
                row.prompt_text_en,
            )
            for row in rows
            if row.id == first.id and row.prompt_key is not None
        )
        return to_achievement(first, prompts)

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
            hours=new.hours,
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


def to_achievement(record: Any, prompts: tuple[Prompt, ...] = ()) -> Achievement:  # noqa: ANN401
    """An achievement from its record, or from a row with the same names, and its `prompts`.

    Every reader of achievements maps its records here; none reads `record.prompts` (a
    relationship that may not be loaded), so a reader that needs the prompts passes them.
    """
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
        prompts=prompts,
        version=record.version,
        archived_at=record.archived_at,
        hours=record.hours,
    )


def _prompt(record: Any) -> Prompt:  # noqa: ANN401 - a PromptRecord
    return Prompt(
        record.key,
        record.text,
        record.min_length,
        record.max_length,
        record.is_required,
        record.text_en,
    )
