"""The badge catalogue, public: what a platform must send for each achievement."""

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import PathParameter

from service.api.errors import problems
from service.domain.achievements import Achievement
from service.runtime import Runtime


class PromptTextsOut(msgspec.Struct, kw_only=True):
    fr: str
    en: str | None = None


class PromptOut(msgspec.Struct, kw_only=True, rename="camel"):
    key: str
    text: Annotated[str, msgspec.Meta(description="in French, the catalogue's language")]
    texts: PromptTextsOut
    min_length: int
    max_length: int
    required: bool


class AlignmentOut(msgspec.Struct, kw_only=True, rename="camel"):
    framework: str
    code: str
    name: str
    url: str
    type: Annotated[str, msgspec.Meta(description="OB 3.0 targetType")]


class AchievementOut(msgspec.Struct, kw_only=True, rename="camel"):
    id: str
    slug: str
    name: str
    description: str
    track: str
    level: int
    level_name: str
    criteria: str
    in_language: str
    tags: list[str]
    alignments: list[AlignmentOut]
    prompts: list[PromptOut]
    image: str | None = None
    version: Annotated[int, msgspec.Meta(description="bumped by each change")] = 1
    archived_at: Annotated[
        datetime | None, msgspec.Meta(description="set: no new completion is accepted")
    ] = None
    hours: Annotated[
        float | None,
        msgspec.Meta(description="continuing-education hours the training is worth, if stated"),
    ] = None

    @classmethod
    def from_domain(cls, achievement: Achievement) -> "AchievementOut":
        return cls(
            id=str(achievement.id),
            slug=achievement.slug,
            name=achievement.name,
            description=achievement.description,
            track=achievement.track,
            level=achievement.level,
            level_name=achievement.level_name,
            criteria=achievement.criteria,
            in_language=achievement.in_language,
            tags=list(achievement.tags),
            alignments=[
                AlignmentOut(
                    framework=a.framework, code=a.code, name=a.name, url=a.url, type=a.type
                )
                for a in achievement.alignments
            ],
            prompts=[
                PromptOut(
                    key=p.key,
                    text=p.text,
                    texts=PromptTextsOut(fr=p.text, en=p.text_en),
                    min_length=p.min_length,
                    max_length=p.max_length,
                    required=p.is_required,
                )
                for p in achievement.prompts
            ],
            image=achievement.image_url,
            version=achievement.version,
            archived_at=achievement.archived_at,
            hours=achievement.hours,
        )


class AchievementController(Controller):
    path = "/api/v1/achievements"
    tags = ["Achievements"]

    @get(operation_id="ListAchievements")
    async def list_achievements(self, runtime: NamedDependency[Runtime]) -> list[AchievementOut]:
        """Every achievement with its track, level and reflection prompts."""
        async with runtime.read() as services:
            return [AchievementOut.from_domain(a) for a in await services.achievements.list()]

    @get("/{slug:str}", operation_id="GetAchievement", responses=problems(404))
    async def get_achievement(
        self,
        runtime: NamedDependency[Runtime],
        slug: Annotated[str, PathParameter(description="slug or id")],
    ) -> AchievementOut:
        """One achievement, by slug or id: what a completion for it must contain."""
        async with runtime.read() as services:
            return AchievementOut.from_domain(await services.achievements.get(slug))
