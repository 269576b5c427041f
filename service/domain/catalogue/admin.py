"""Achievement administration for an issuer's admins and the operator.

Each change is a new version: the current definition is kept (`AchievementVersionRecord`)
before it is replaced, so a credential's page and evidence show the version it was issued
under, while new completions are checked against the current one. An archived achievement
takes no new completion and no new version, but its document and its badges still resolve.
Who may do what is the visibility policy's (`Viewer.may_administer`); others get 404.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import AchievementRecord, PromptRecord
from service.domain.catalogue.achievements import (
    Achievement,
    AchievementService,
    Alignment,
    NewAchievement,
    Prompt,
)
from service.domain.catalogue.definitions import (
    alignment_problems,
    level_problems,
    prompt_problems,
    slug_problems,
    tag_problems,
    text_problems,
)
from service.domain.catalogue.images import ImageService, StoredImage
from service.domain.clients.audit import record_event
from service.domain.clients.visibility import Viewer
from service.domain.clock import Clock, utc_now
from service.domain.credentials.hours import hours_problems
from service.domain.errors import Archived, Conflict, FieldProblem, InvalidInput, NotFound
from service.domain.issuers.issuers import IssuerService
from service.domain.texts import Said
from service.domain.urls import Urls


@dataclass(frozen=True)
class AchievementChanges:
    """A partial update; None leaves a field as it is (lists are replaced whole)."""

    name: str | None = None
    description: str | None = None
    criteria: str | None = None
    track: str | None = None
    level: int | None = None
    level_name: str | None = None
    in_language: str | None = None
    prompts: tuple[Prompt, ...] | None = None
    alignments: tuple[Alignment, ...] | None = None
    tags: tuple[str, ...] | None = None
    hours: float | None = None

    def given(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}


class AchievementAdministration:
    def __init__(
        self,
        session: AsyncSession,
        *,
        viewer: Viewer,
        achievements: AchievementService,
        issuers: IssuerService,
        images: ImageService,
        urls: Urls,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._viewer = viewer
        self._achievements = achievements
        self._issuers = issuers
        self._images = images
        self._urls = urls
        self._clock = clock

    async def achievements(self) -> list[Achievement]:
        """Every achievement of the issuers the caller administers, archived ones included."""
        administered = self._viewer.administered()
        ids = {profile.id for profile in await self._issuers.profiles(administered)}
        return [a for a in await self._achievements.list() if a.issuer_id in ids]

    async def show(self, slug_or_id: str) -> Achievement:
        achievement, _ = await self._administered(slug_or_id)
        return achievement

    async def create(self, issuer: str, new: NewAchievement, *, actor: str) -> Achievement:
        profile = await self._issuers.find(issuer)
        if profile is None or not self._viewer.may_administer(issuer):
            raise InvalidInput(
                [FieldProblem("issuer", Said("issuer-not-administered", slug=issuer))]
            )
        problems = slug_problems(new.slug) + _definition_problems(new)
        if problems:
            raise InvalidInput(problems)
        if await self._session.scalar(
            select(AchievementRecord.id).where(AchievementRecord.slug == new.slug)
        ):
            raise Conflict(Said("achievement-exists", slug=new.slug))
        await self._check_level_free(profile.id, new.track, new.level, None)
        with _taken_meanwhile():
            created = await self._achievements.create(profile.id, replace(new, image_url=None))
        await self._audit("achievement.create", created, issuer, actor)
        return created

    async def update(
        self, slug_or_id: str, changes: AchievementChanges, *, actor: str
    ) -> Achievement:
        """A new version with `changes`; the one it replaces stays readable."""
        current, issuer = await self._open(slug_or_id)
        if not changes.given():
            return current  # nothing to change: no new version
        changed = replace(current, **changes.given())
        problems = _definition_problems(changed)
        if problems:
            raise InvalidInput(problems)
        await self._check_level_free(current.issuer_id, changed.track, changed.level, current.id)
        has_prompts = changes.prompts is not None
        return await self._new_version(changed, issuer, actor, replace_prompts=has_prompts)

    async def archive(self, slug_or_id: str, *, actor: str) -> Achievement:
        """No new completion from now on (again: nothing changes)."""
        achievement, issuer = await self._administered(slug_or_id)
        if achievement.archived_at is not None:
            return achievement
        record = await self._record(achievement.id)
        record.archived_at = self._clock()
        await self._session.flush()
        archived = await self._achievements.get(str(achievement.id))
        await self._audit("achievement.archive", archived, issuer, actor)
        return archived

    async def set_image(self, slug_or_id: str, image: StoredImage, *, actor: str) -> Achievement:
        """Keep the picture (checked by `accept_image`), and make it the image of a new version."""
        current, issuer = await self._open(slug_or_id)
        await self._images.store(image)
        changed = replace(current, image_url=self._urls.image(image.sha256, image.extension))
        return await self._new_version(changed, issuer, actor, replace_prompts=False)

    async def _new_version(
        self, changed: Achievement, issuer: str, actor: str, *, replace_prompts: bool
    ) -> Achievement:
        record = await self._record(changed.id)
        await self._achievements.keep_version(await self._achievements.get(str(changed.id)))
        record.name, record.description = changed.name, changed.description
        record.criteria, record.track, record.level = changed.criteria, changed.track, changed.level
        record.level_name, record.in_language = changed.level_name, changed.in_language
        record.image_url = changed.image_url
        record.alignments = [vars(a) for a in changed.alignments]
        record.tags = list(changed.tags)
        record.hours = changed.hours
        record.version = changed.version + 1
        if replace_prompts:
            await self._session.execute(
                delete(PromptRecord).where(PromptRecord.achievement_id == changed.id)
            )
            self._achievements.add_prompts(changed.id, changed.prompts)
        with _taken_meanwhile():
            await self._session.flush()
        self._session.expire(record)
        updated = await self._achievements.get(str(changed.id))
        await self._achievements.keep_version(updated)
        await self._audit("achievement.update", updated, issuer, actor)
        return updated

    async def _open(self, slug_or_id: str) -> tuple[Achievement, str]:
        """An administered achievement that may still change."""
        achievement, issuer = await self._administered(slug_or_id)
        if achievement.archived_at is not None:
            raise Archived(Said("achievement-archived", slug=achievement.slug))
        return achievement, issuer

    async def _administered(self, slug_or_id: str) -> tuple[Achievement, str]:
        try:
            achievement = await self._achievements.get(slug_or_id)
        except NotFound:
            achievement = None
        issuer = await self._issuer_slug(achievement) if achievement else ""
        if achievement is None or not self._viewer.may_administer(issuer):
            raise NotFound(Said("achievement-unknown", slug=slug_or_id))
        return achievement, issuer

    async def _record(self, achievement_id: uuid.UUID) -> AchievementRecord:
        record = await self._session.get(AchievementRecord, achievement_id)
        if record is None:  # found earlier in this unit: only a concurrent delete could do it
            raise NotFound(Said("no-such-achievement"))
        return record

    async def _issuer_slug(self, achievement: Achievement) -> str:
        return (await self._issuers.by_id(achievement.issuer_id)).slug

    async def _check_level_free(
        self, issuer_id: uuid.UUID, track: str, level: int, own: uuid.UUID | None
    ) -> None:
        """A level is taken only by the same issuer's track: other issuers' names are theirs."""
        query = select(AchievementRecord.slug).where(
            AchievementRecord.issuer_id == issuer_id,
            AchievementRecord.track == track,
            AchievementRecord.level == level,
        )
        if own is not None:
            query = query.where(AchievementRecord.id != own)
        taken = await self._session.scalar(query)
        if taken is not None:
            raise Conflict(Said("level-taken", level=level, track=track, taken=taken))

    async def _audit(self, action: str, achievement: Achievement, issuer: str, actor: str) -> None:
        await record_event(
            self._session,
            actor=actor,
            action=action,
            subject=achievement.slug,
            detail={"version": achievement.version, "archived": bool(achievement.archived_at)},
            clock=self._clock,
            issuer=issuer,
        )


@contextmanager
def _taken_meanwhile() -> Iterator[None]:
    """A concurrent change took the slug, the level or the version first: the unit rolls back."""
    try:
        yield
    except IntegrityError:
        raise Conflict(Said("achievement-changed-concurrently")) from None


def _definition_problems(definition: NewAchievement | Achievement) -> list[FieldProblem]:
    return (
        text_problems(
            name=definition.name,
            description=definition.description,
            criteria=definition.criteria,
            track=definition.track,
            level_name=definition.level_name,
            in_language=definition.in_language,
        )
        + level_problems(definition.level)
        + prompt_problems(definition.prompts)
        + alignment_problems(definition.alignments)
        + tag_problems(definition.tags)
        + hours_problems("hours", definition.hours)
    )
