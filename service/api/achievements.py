"""The badge catalogue, public: what a platform must send for each achievement."""

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import PathParameter

from service.api.errors import problems
from service.domain.catalogue.achievement_json import AchievementOut
from service.runtime import Runtime


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
