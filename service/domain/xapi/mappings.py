"""A platform's xAPI mappings: which statements make which badge's completion.

A mapping says which course's ``completed`` awards which badge, and which activities'
``answered`` statements answer which reflection prompts.

A mapping belongs to the platform client whose statements it reads; it grants nothing that
client could not already do (it must be allowed to issue the achievement), so a client with
``completions:write`` manages its own, and the operator (the command line) anyone's.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.ids import new_id
from service.db.inserts import insert_ignoring_conflicts
from service.db.tables import XapiMappingRecord
from service.domain.catalogue.achievements import Achievement, AchievementService
from service.domain.clients.audit import record_event
from service.domain.clients.clients import Principal
from service.domain.clock import Clock, utc_now
from service.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, Unauthorized
from service.domain.issuers.issuers import IssuerService
from service.domain.texts import Said
from service.domain.xapi.statements import MAX_IRI

MAX_MAPPINGS = 500  # per client


@dataclass(frozen=True)
class Mapping:
    id: uuid.UUID
    achievement_id: uuid.UUID
    completed_activity: str
    answers: dict[str, str]  # prompt key -> activity IRI
    share_reflections: bool
    created_at: datetime

    def activities(self) -> set[str]:
        return {self.completed_activity, *self.answers.values()}


@dataclass(frozen=True)
class NewMapping:
    achievement: str  # slug or id
    completed_activity: str
    answers: dict[str, str]
    share_reflections: bool = False


class XapiMappings:
    """The calling client's mappings."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        achievements: AchievementService,
        issuers: IssuerService,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._principal = principal
        self._achievements = achievements
        self._issuers = issuers
        self._clock = clock

    async def create(self, new: NewMapping) -> Mapping:
        client = self._client()
        try:
            achievement = await self._achievements.get(new.achievement)
        except NotFound:
            raise InvalidInput(
                [
                    FieldProblem(
                        "achievement", Said("achievement-not-in-catalogue", slug=new.achievement)
                    )
                ]
            ) from None
        issuer = (await self._issuers.signing_keys(achievement.issuer_id)).issuer
        problems = []
        if issuer.slug not in client.issuer_slugs:
            problems.append(
                FieldProblem("achievement", Said("issuer-not-allowed", slug=issuer.slug))
            )
        problems += _activity_problems(new, achievement)
        if problems:
            raise InvalidInput(problems)
        if len(await self.list()) >= MAX_MAPPINGS:
            raise Conflict(Said("xapi-mappings-full", most=MAX_MAPPINGS))
        mapping = Mapping(
            new_id(),
            achievement.id,
            new.completed_activity,
            dict(sorted(new.answers.items())),
            new.share_reflections,
            self._clock(),
        )
        inserted = await insert_ignoring_conflicts(
            self._session,
            XapiMappingRecord,
            {
                "id": mapping.id,
                "client_id": client.id,
                "achievement_id": mapping.achievement_id,
                "completed_activity": mapping.completed_activity,
                "answers": mapping.answers,
                "share_reflections": mapping.share_reflections,
                "created_at": mapping.created_at,
            },
            ["client_id", "completed_activity"],
        )
        if not inserted:
            raise Conflict(Said("xapi-mapping-exists"))
        await record_event(
            self._session,
            actor=client.client_id,
            action="xapi-mapping.create",
            subject=str(mapping.id),
            detail={"achievement": achievement.slug, "completedActivity": new.completed_activity},
            clock=self._clock,
            issuer=issuer.slug,
        )
        return mapping

    async def list(self) -> list[Mapping]:
        records = await self._session.scalars(
            select(XapiMappingRecord)
            .where(XapiMappingRecord.client_id == self._client().id)
            .order_by(XapiMappingRecord.created_at, XapiMappingRecord.id)
        )
        return [mapping_of(record) for record in records]

    async def delete(self, mapping_id: uuid.UUID) -> None:
        """Stop reading a course's statements; those held for it stay until they are purged."""
        record = await self._session.get(XapiMappingRecord, mapping_id)
        if record is None or record.client_id != self._client().id:
            raise NotFound(Said("no-such-xapi-mapping"))
        await self._session.delete(record)
        await record_event(
            self._session,
            actor=self._client().client_id,
            action="xapi-mapping.delete",
            subject=str(mapping_id),
            clock=self._clock,
        )
        await self._session.flush()

    def _client(self) -> Principal:
        if self._principal is None:
            raise Unauthorized(Said("platform-client-required"))
        return self._principal


def _activity_problems(new: NewMapping, achievement: Achievement) -> list[FieldProblem]:
    problems = _iri_problems("completedActivity", new.completed_activity)
    prompts = {prompt.key: prompt for prompt in achievement.prompts}
    for key, iri in sorted(new.answers.items()):
        if key not in prompts:
            problems.append(FieldProblem(f"answers.{key}", Said("prompt-unknown", key=key)))
        problems += _iri_problems(f"answers.{key}", iri)
    problems += [
        FieldProblem("answers", Said("xapi-prompt-needs-activity", key=prompt.key))
        for prompt in achievement.prompts
        if prompt.is_required and prompt.key not in new.answers
    ]
    if new.completed_activity in new.answers.values():
        problems.append(FieldProblem("answers", Said("xapi-answer-is-completion")))
    return problems


def _iri_problems(field: str, iri: str) -> list[FieldProblem]:
    if not 0 < len(iri) <= MAX_IRI or ":" not in iri or iri != iri.strip():
        return [FieldProblem(field, Said("iri-form", most=MAX_IRI))]
    return []


def mapping_of(record: XapiMappingRecord) -> Mapping:
    """A stored mapping as the domain reads it."""
    return Mapping(
        record.id,
        record.achievement_id,
        record.completed_activity,
        {str(key): str(value) for key, value in record.answers.items()},
        record.share_reflections,
        record.created_at,
    )
