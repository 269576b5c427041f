"""Portfolios for third-party platforms: an educator's badges, levels and visible evidence.

Every read takes a batch of keys and runs one statement, whatever the batch's size, so the
GraphQL layer's DataLoaders keep a portfolio of any size to a small constant number of
statements. What a caller may see is decided by `service.domain.clients.visibility`, here
and nowhere else; the views returned carry the decision (an answer the caller may not read is None).
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from sqlalchemy import Executable, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.identity import normalise_email
from service.db.direct import execute
from service.db.tables import (
    AchievementRecord,
    CompletionRecord,
    CredentialRecord,
    EvidenceRecord,
    IssuerRecord,
    LearnerRecord,
    PromptRecord,
)
from service.db.utf8 import utf8_bytes
from service.domain.catalogue.achievements import Achievement, to_achievement
from service.domain.clients.clients import Principal
from service.domain.clients.visibility import CredentialFacts, Viewer
from service.domain.credentials.facts import FACT_COLUMNS, facts_at
from service.domain.errors import Forbidden, NotFound, Unauthorized
from service.domain.issuers.issuers import IssuerProfile, to_issuer_profile
from service.domain.texts import Said
from service.domain.urls import Urls


class PortfolioCredential(msgspec.Struct, frozen=True, gc=False):
    """A credential as a portfolio lists it (its signed forms are loaded apart)."""

    id: uuid.UUID
    learner_id: uuid.UUID
    achievement_id: uuid.UUID
    issuer_id: uuid.UUID
    status: str
    awarded_at: datetime  # the learner's completion: the credential's awardedDate
    issued_at: datetime  # when Insigne signed it: its validFrom
    facts: CredentialFacts
    learner_name: str  # as the platform that posted this completion gave it

    @property
    def valid_from(self) -> datetime:
        """Its validFrom as signed, without reading the document: `issued_at` to the second.

        `build_credential` writes ``validFrom`` as ``format_datetime(issued_at)``.
        """
        return self.issued_at.astimezone(UTC).replace(microsecond=0)


class Learner(msgspec.Struct, frozen=True, gc=False):
    """An earner and the credentials the caller may list, newest first.

    The name is the one given with the newest of these credentials, those of the caller's own
    issuers first: another issuer's platform never renames a learner for this one's clients.
    """

    id: uuid.UUID
    name: str
    credentials: tuple[PortfolioCredential, ...]


class SignedForms(msgspec.Struct, frozen=True, gc=False):
    """The signed credential exactly as issued: JSON-LD (its stored UTF-8 bytes) and VC-JWT."""

    signed_json: bytes
    jwt: str

    @property
    def valid_until(self) -> str | None:
        # Only this member is read from the signed text (no dict of the whole document).
        return _text(msgspec.json.decode(self.signed_json, type=_Validity).validUntil)


class _Validity(msgspec.Struct):
    """A credential's end of validity as signed; the other members are skipped unread."""

    validUntil: object = None  # noqa: N815 - the VC member's name


class EvidenceItem(msgspec.Struct, frozen=True, gc=False):
    """One answered prompt; ``answer`` is None when the caller may not read it."""

    id: uuid.UUID
    credential_id: uuid.UUID
    prompt: str
    answer: str | None
    digest: str


@dataclass(frozen=True)
class AchievementFilter:
    issuer_id: uuid.UUID | None = None
    track: str | None = None


class PortfolioService:
    """Batched reads for portfolio queries; one statement per call."""

    def __init__(self, session: AsyncSession, *, principal: Principal | None, urls: Urls) -> None:
        self._session = session
        self.viewer = Viewer(principal=principal)
        self._urls = urls

    async def find_learner(
        self, *, email: str | None = None, learner_id: uuid.UUID | None = None
    ) -> Learner:
        """A learner, for clients that may look learners up and list one of their badges."""
        self._require_lookup()
        found = (
            await execute(self._session, _LEARNER_BY_EMAIL, {"email": normalise_email(email)})
            if email is not None
            else await execute(self._session, _LEARNER_BY_ID, {"id": learner_id})
        ).scalar()
        credentials = (await self.credentials_of([found]))[found] if found else []
        if found is None or not credentials:
            raise NotFound(
                Said("no-such-learner")
            )  # one with nothing listable does not exist either
        own = [c for c in credentials if self.viewer.is_linked_to(c.facts.issuer_slug)]
        return Learner(found, (own or credentials)[0].learner_name, tuple(credentials))

    async def credentials(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PortfolioCredential]:
        """Credentials by id (``node(id:)``), for clients that may look learners up."""
        self._require_lookup()
        found = await self._listable(_LISTABLE_BY_ID, ids)
        return {credential.id: credential for credential in found}

    async def credentials_of(
        self, learner_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[PortfolioCredential]]:
        """Each learner's credentials the caller may list, newest first."""
        found: dict[uuid.UUID, list[PortfolioCredential]] = {key: [] for key in learner_ids}
        for credential in await self._listable(_LISTABLE_OF_LEARNERS, learner_ids):
            found[credential.learner_id].append(credential)
        return found

    async def _listable(
        self, statement: Executable, keys: Iterable[uuid.UUID]
    ) -> list[PortfolioCredential]:
        rows = await execute(self._session, statement, {"ids": list(set(keys))})
        found: list[PortfolioCredential] = []
        for row in rows:
            facts = facts_at(row)
            if self.viewer.may_list(facts):
                learner_id, achievement_id, issuer_id, status, completed, issued, name = row[:7]
                found.append(
                    PortfolioCredential(
                        id=facts.credential_id,
                        learner_id=learner_id,
                        achievement_id=achievement_id,
                        issuer_id=issuer_id,
                        status=status,
                        awarded_at=completed,
                        issued_at=issued,
                        facts=facts,
                        learner_name=name,
                    )
                )
        return found

    async def signed_forms(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SignedForms]:
        """The stored signed texts, never re-serialised."""
        rows = await execute(self._session, _SIGNED_FORMS, {"ids": list(set(ids))})
        return {row.id: SignedForms(row.signed_json, row.jwt) for row in rows}

    async def evidence(
        self, credential_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[EvidenceItem]]:
        """Each credential's answered prompts, in order; answers only where the policy allows."""
        rows = await execute(self._session, _EVIDENCE, {"ids": list(set(credential_ids))})
        found: dict[uuid.UUID, list[EvidenceItem]] = {key: [] for key in credential_ids}
        for row in rows:
            evidence_id, answer, digest, prompt = row[:4]
            facts = facts_at(row)
            readable = self.viewer.may_read_reflections(facts)
            found[facts.credential_id].append(
                EvidenceItem(
                    id=evidence_id,
                    credential_id=facts.credential_id,
                    prompt=prompt or "",
                    answer=answer if readable else None,
                    digest=digest,
                )
            )
        return found

    async def achievements_by_id(self, ids: Iterable[uuid.UUID]) -> list[Achievement]:
        """These achievements of the public catalogue (no prompts), in no particular order."""
        rows = await execute(self._session, _ACHIEVEMENTS_BY_ID, {"ids": list(set(ids))})
        return [to_achievement(row) for row in rows]

    async def achievements(
        self, *, slug: str | None = None, where: AchievementFilter | None = None
    ) -> list[Achievement]:
        """The public catalogue: by slug, or filtered; by track and level (no prompts)."""
        query = select(AchievementRecord).order_by(AchievementRecord.track, AchievementRecord.level)
        if slug is not None:
            query = query.where(AchievementRecord.slug == slug)
        if where is not None and where.issuer_id is not None:
            query = query.where(AchievementRecord.issuer_id == where.issuer_id)
        if where is not None and where.track is not None:
            query = query.where(AchievementRecord.track == where.track)
        return [to_achievement(record) for record in await self._session.scalars(query)]

    async def issuers(self, ids: Iterable[uuid.UUID] | None = None) -> list[IssuerProfile]:
        """The public issuer profiles: by ids, or all of them by name."""
        if ids is None:
            rows = await execute(self._session, _ISSUERS)
        else:
            rows = await execute(self._session, _ISSUERS_BY_ID, {"ids": list(set(ids))})
        return [to_issuer_profile(row, self._urls) for row in rows]

    def _require_lookup(self) -> None:
        if self.viewer.principal is None:
            raise Unauthorized(Said("portfolio-token-required"))
        if not self.viewer.may_look_up_learners():
            raise Forbidden(Said("scope-missing", scope="portfolio:read"))


# Statements built once, of plain columns, with an expanding parameter: each GraphQL request
# runs them (a DataLoader batch each) on the driver, without building them again.
_LEARNER_BY_EMAIL = select(LearnerRecord.id).where(LearnerRecord.email == bindparam("email"))
_LEARNER_BY_ID = select(LearnerRecord.id).where(LearnerRecord.id == bindparam("id"))
_LISTABLE = (
    select(
        CompletionRecord.learner_id,
        CompletionRecord.achievement_id,
        CredentialRecord.issuer_id,
        CredentialRecord.status,
        CompletionRecord.completed_at,
        CredentialRecord.issued_at,
        CompletionRecord.learner_name,
        *FACT_COLUMNS,
    )
    .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
    .join(IssuerRecord, IssuerRecord.id == CredentialRecord.issuer_id)
    .order_by(CompletionRecord.completed_at.desc(), CredentialRecord.id)
)
_LISTABLE_BY_ID = _LISTABLE.where(CredentialRecord.id.in_(bindparam("ids", expanding=True)))
_LISTABLE_OF_LEARNERS = _LISTABLE.where(
    CompletionRecord.learner_id.in_(bindparam("ids", expanding=True))
)
_ACHIEVEMENTS_BY_ID = select(AchievementRecord.__table__).where(
    AchievementRecord.id.in_(bindparam("ids", expanding=True))
)
_ISSUERS = select(
    IssuerRecord.id,
    IssuerRecord.slug,
    IssuerRecord.name,
    IssuerRecord.url,
    IssuerRecord.email,
    IssuerRecord.image_url,
    IssuerRecord.description,
    IssuerRecord.parent_id,
).order_by(IssuerRecord.name, IssuerRecord.id)
_ISSUERS_BY_ID = _ISSUERS.where(IssuerRecord.id.in_(bindparam("ids", expanding=True)))
_SIGNED_FORMS = select(
    CredentialRecord.id,
    utf8_bytes(CredentialRecord.signed_json).label("signed_json"),
    CredentialRecord.jwt,
).where(CredentialRecord.id.in_(bindparam("ids", expanding=True)))
_EVIDENCE = (
    select(
        EvidenceRecord.id,
        EvidenceRecord.answer,
        EvidenceRecord.digest_sri,
        # The question as it was asked (its version's text); the current one otherwise.
        func.coalesce(EvidenceRecord.prompt_text, PromptRecord.text),
        *FACT_COLUMNS,
    )
    .join(CompletionRecord, CompletionRecord.id == EvidenceRecord.completion_id)
    .join(CredentialRecord, CredentialRecord.completion_id == CompletionRecord.id)
    .join(IssuerRecord, IssuerRecord.id == CredentialRecord.issuer_id)
    .outerjoin(
        PromptRecord,
        and_(
            PromptRecord.achievement_id == CompletionRecord.achievement_id,
            PromptRecord.key == EvidenceRecord.prompt_key,
        ),
    )
    .where(CredentialRecord.id.in_(bindparam("ids", expanding=True)))
    .order_by(EvidenceRecord.position)
)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
