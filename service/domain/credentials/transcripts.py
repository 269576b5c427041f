"""An educator's continuing-education transcript: a signed CLR 2.0 record of a period's badges.

The record (`openbadges.clr`) holds the learner's badges of the period byte for byte as their
issuers signed them, those the visibility policy lets the requester list, active and not hidden
(`service.domain.clients.visibility` decides, through `PortfolioService`); reflections stay
private as they are in the badges (a private one is only a digest). The operator's issuer signs
it: ``INSIGNE_TRANSCRIPT_ISSUER``, else the oldest issuer that has no parent.

Signing a record of many badges costs (a 200-badge record, docs/transcripts.md), so a signed
record is kept in the database under a key that digests the learner, the name, the period, the
signing keys and every held badge's id and status: a badge issued, revoked, suspended or hidden
meanwhile makes another key, hence a new record; the same set gets the record already signed.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges import build_clr, serialise_clr
from openbadges.identity import hash_identity
from openbadges.jsontypes import dumps, loads
from openbadges.models import format_datetime
from openbadges.proofs.jwt import sign_jwt
from openbadges.signing import sign_credential
from service.db.inserts import insert_ignoring_conflicts
from service.db.tables import (
    CompletionRecord,
    CredentialRecord,
    IssuerRecord,
    LearnerRecord,
    TranscriptRecord,
)
from service.domain.clock import Clock, utc_now
from service.domain.credentials.credentials import format_hours, issuer_model
from service.domain.credentials.earner_controls import EarnerControls
from service.domain.credentials.periods import Period
from service.domain.credentials.transcript_lines import hours_of
from service.domain.errors import NotFound
from service.domain.issuers.issuers import IssuerKeys, IssuerService
from service.domain.portfolios.portfolios import PortfolioCredential, PortfolioService
from service.domain.texts import Said
from service.domain.urls import Urls


@dataclass(frozen=True)
class Transcript:
    """A signed record, exactly as stored and served."""

    id: uuid.UUID
    url: str
    signed_json: bytes
    jwt: str

    @cached_property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.signed_json)
        return parsed


@dataclass(frozen=True)
class TranscriptDraft:
    """What a record is made of, fixed before it is signed (or found already signed)."""

    learner_id: uuid.UUID
    learner_name: str
    email: str
    period: Period
    held: tuple[bytes, ...]  # the badges' signed texts, oldest first
    issuer: IssuerKeys
    key: str
    at: datetime
    signed: Transcript | None = None  # the same set, signed before


class TranscriptService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        portfolios: PortfolioService,
        earner_controls: EarnerControls,
        issuers: IssuerService,
        urls: Urls,
        issuer_slug: str | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._portfolios = portfolios
        self._earner_controls = earner_controls
        self._issuers = issuers
        self._urls = urls
        self._issuer_slug = issuer_slug
        self._clock = clock

    async def for_learner(self, learner_id: uuid.UUID, period: Period) -> TranscriptDraft:
        """For platforms that may look the learner up, with the badges they may list."""
        learner = await self._portfolios.find_learner(learner_id=learner_id)
        return await self._draft(learner_id, learner.name, learner.credentials, period)

    async def for_earner(
        self, credential_id: uuid.UUID, token: str, period: Period
    ) -> TranscriptDraft:
        """For the earner, through one badge's management link: all their badges."""
        await self._earner_controls.earner(credential_id, token)
        row = (
            await self._session.execute(
                select(CompletionRecord.learner_id, CompletionRecord.learner_name)
                .join(CredentialRecord, CredentialRecord.completion_id == CompletionRecord.id)
                .where(CredentialRecord.id == credential_id)
            )
        ).one()
        # The anonymous policy lists the learner's badges that are not hidden (all we hold).
        everyone = PortfolioService(self._session, principal=None, urls=self._urls)
        credentials = (await everyone.credentials_of([row.learner_id]))[row.learner_id]
        return await self._draft(row.learner_id, row.learner_name, credentials, period)

    async def published(self, transcript_id: uuid.UUID) -> Transcript:
        """A signed record by id (its URL is in the record and in its attestation's QR code)."""
        record = await self._session.get(TranscriptRecord, transcript_id)
        if record is None:
            raise NotFound(Said("no-such-transcript"))
        return self._transcript(record)

    async def store(self, draft: TranscriptDraft, signed_json: bytes, jwt: str) -> Transcript:
        """Keep a signed record; a concurrent request's record of the same key wins."""
        await insert_ignoring_conflicts(
            self._session,
            TranscriptRecord,
            {
                "id": uuid.UUID(draft_id(draft)),
                "key": draft.key,
                "learner_id": draft.learner_id,
                "signed_json": signed_json.decode(),
                "jwt": jwt,
                "created_at": draft.at,
            },
        )
        found = await self._cached(draft.key)
        if found is None:  # the unique key was taken and then released: not possible
            raise NotFound(Said("transcript-not-kept"))
        return found

    async def _draft(
        self,
        learner_id: uuid.UUID,
        name: str,
        credentials: list[PortfolioCredential] | tuple[PortfolioCredential, ...],
        period: Period,
    ) -> TranscriptDraft:
        chosen = sorted(
            (
                c
                for c in credentials
                if c.status == "active" and not c.facts.hidden and period.contains(c.awarded_at)
            ),
            key=lambda c: (c.awarded_at, str(c.id)),
        )
        forms = await self._portfolios.signed_forms([c.id for c in chosen])
        email = await self._session.scalar(
            select(LearnerRecord.email).where(LearnerRecord.id == learner_id)
        )
        issuer = await self._issuers.signing_keys(await self._operator_issuer())
        key = _key(learner_id, name, period, issuer, [(c.id, c.status) for c in chosen])
        return TranscriptDraft(
            learner_id=learner_id,
            learner_name=name,
            email=email or "",
            period=period,
            held=tuple(forms[c.id].signed_json for c in chosen),
            issuer=issuer,
            key=key,
            at=self._clock(),
            signed=await self._cached(key),
        )

    async def _operator_issuer(self) -> uuid.UUID:
        query = select(IssuerRecord.id)
        if self._issuer_slug:
            query = query.where(IssuerRecord.slug == self._issuer_slug)
        else:
            query = query.where(IssuerRecord.parent_id.is_(None))
        found = await self._session.scalar(
            query.order_by(IssuerRecord.created_at, IssuerRecord.id).limit(1)
        )
        if found is None:
            raise NotFound(Said("transcript-issuer-missing"))
        return found

    async def _cached(self, key: str) -> Transcript | None:
        record = await self._session.scalar(
            select(TranscriptRecord).where(TranscriptRecord.key == key)
        )
        return self._transcript(record) if record else None

    def _transcript(self, record: TranscriptRecord) -> Transcript:
        return Transcript(
            id=record.id,
            url=self._urls.transcript(record.id),
            signed_json=record.signed_json.encode(),
            jwt=record.jwt,
        )


def draft_id(draft: TranscriptDraft) -> str:
    """The record's id, derived from its key: signing needs it before the record is stored."""
    return str(uuid.UUID(draft.key[:32]))


def build_transcript(draft: TranscriptDraft, urls: Urls) -> dict[str, Any]:
    """The unsigned ClrCredential of `draft` (which holds one badge at least)."""
    total = sum(h for text in draft.held if (h := hours_of(json.loads(text))) is not None)
    period = f"{draft.period.start.isoformat()} – {draft.period.end.isoformat()}"
    name_identity = {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": draft.learner_name,
    }
    return build_clr(
        record_id=urls.transcript(uuid.UUID(draft_id(draft))),
        issuer=loads(dumps(issuer_model(draft.issuer.issuer))),  # JSON values, no tuples
        name=f"Relevé de formation continue / Continuing-education transcript, {period}",
        description=(
            f"{draft.learner_name} : {format_hours(total)} h de formation continue du "
            f"{draft.period.start.isoformat()} au {draft.period.end.isoformat()} "
            f"(obligation : 30 h par période de deux années scolaires). / "
            f"{format_hours(total)} continuing-education hours from "
            f"{draft.period.start.isoformat()} to {draft.period.end.isoformat()} "
            f"(obligation: 30 hours per period of two school years)."
        ),
        valid_from=format_datetime(draft.at),
        held=draft.held,
        identifier=[hash_identity(draft.email), name_identity] if draft.email else [name_identity],
        partial=False,  # CLR `partial` would send the record to the slow expansion (docs)
    )


def sign_transcript(unsigned: dict[str, Any], draft: TranscriptDraft) -> tuple[bytes, str]:
    """eddsa-rdfc-2022 (held badges kept byte for byte) and an RS256 VC-JWT of the record."""
    keys = draft.issuer.keys
    signed = sign_credential(unsigned, keys.data_integrity, created=draft.at)
    return serialise_clr(signed, draft.held), sign_jwt(unsigned, keys.jwt)


def _key(
    learner_id: uuid.UUID,
    name: str,
    period: Period,
    issuer: IssuerKeys,
    held: list[tuple[uuid.UUID, str]],
) -> str:
    material = {
        "learner": str(learner_id),
        "name": name,
        "period": period.code,
        "keys": [issuer.keys.data_integrity.id, issuer.keys.jwt.id],
        "held": [[str(credential_id), status] for credential_id, status in held],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
