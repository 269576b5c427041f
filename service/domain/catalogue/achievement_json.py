"""An achievement as JSON: what REST answers and accepts, and the files the CLI reads and prints.

One definition for both faces, so ``insigne achievements create`` takes exactly the body of
``POST /api/v1/achievements`` and prints exactly what the API answers.
"""

from datetime import datetime
from typing import Annotated

import msgspec

from service.domain.catalogue.achievements import Achievement, Alignment, NewAchievement, Prompt
from service.domain.catalogue.admin import AchievementChanges
from service.domain.catalogue.definitions import (
    MAX_ALIGNMENTS,
    MAX_ANSWER_LENGTH,
    MAX_PROMPTS,
    MAX_TAGS,
)


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


Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,199}$")]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
Line = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Length = Annotated[int, msgspec.Meta(ge=0, le=MAX_ANSWER_LENGTH)]


class PromptTextIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    fr: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None


class PromptIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    key: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^[a-z0-9_-]{1,100}$",
            description="stable across versions",
            examples=["impact"],
        ),
    ]
    text: Annotated[PromptTextIn, msgspec.Meta(description="French required, English optional")]
    min_length: Length = 0
    max_length: Length = MAX_ANSWER_LENGTH
    required: bool = True

    def to_domain(self) -> Prompt:
        return Prompt(
            self.key, self.text.fr, self.min_length, self.max_length, self.required, self.text.en
        )


class AlignmentIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    framework: Line
    code: Annotated[str, msgspec.Meta(max_length=100)]
    name: Line
    url: Annotated[str, msgspec.Meta(max_length=500)]
    type: Annotated[
        str, msgspec.Meta(max_length=100, description="OB 3.0 targetType, or ext:<name>")
    ] = "CFItem"

    def to_domain(self) -> Alignment:
        return Alignment(self.framework, self.code, self.name, self.url, self.type)


Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Prompts = Annotated[list[PromptIn], msgspec.Meta(max_length=MAX_PROMPTS)]
Alignments = Annotated[list[AlignmentIn], msgspec.Meta(max_length=MAX_ALIGNMENTS)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=MAX_TAGS)]
Hours = Annotated[
    float,
    msgspec.Meta(
        gt=0,
        le=1000,
        description="continuing-education hours the training is worth, in quarter hours",
        examples=[3],
    ),
]


class AchievementIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    issuer: Annotated[str, msgspec.Meta(max_length=100, examples=["reseau-demo"])]
    slug: Slug
    name: Line
    description: Text
    criteria: Annotated[str, msgspec.Meta(min_length=1, max_length=20_000, description="Markdown")]
    track: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    level: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    level_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    in_language: Annotated[str, msgspec.Meta(min_length=2, max_length=35)] = "fr-CA"
    prompts: Prompts
    alignments: Alignments = msgspec.field(default_factory=list)
    tags: Tags = msgspec.field(default_factory=list)
    hours: Hours | None = None

    def to_domain(self) -> NewAchievement:
        return NewAchievement(
            slug=self.slug,
            track=self.track,
            level=self.level,
            level_name=self.level_name,
            name=self.name,
            description=self.description,
            criteria=self.criteria,
            in_language=self.in_language,
            prompts=tuple(p.to_domain() for p in self.prompts),
            alignments=tuple(a.to_domain() for a in self.alignments),
            tags=tuple(self.tags),
            hours=self.hours,
        )


class AchievementPatchIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """Only what changes; a list given replaces the whole list."""

    name: Line | None = None
    description: Text | None = None
    criteria: Text | None = None
    track: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    level: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None
    level_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    in_language: Annotated[str, msgspec.Meta(min_length=2, max_length=35)] | None = None
    prompts: Prompts | None = None
    alignments: Alignments | None = None
    tags: Tags | None = None
    hours: Hours | None = None

    def to_domain(self) -> AchievementChanges:
        return AchievementChanges(
            name=self.name,
            description=self.description,
            criteria=self.criteria,
            track=self.track,
            level=self.level,
            level_name=self.level_name,
            in_language=self.in_language,
            prompts=None if self.prompts is None else tuple(p.to_domain() for p in self.prompts),
            alignments=(
                None if self.alignments is None else tuple(a.to_domain() for a in self.alignments)
            ),
            tags=None if self.tags is None else tuple(self.tags),
            hours=self.hours,
        )
