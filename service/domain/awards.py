"""Completions in, signed badges out: exactly one credential per completion.

A platform's completion is validated in full before anything is written; then the learner,
the completion, its evidence and the credential are stored in the request's transaction.
Retries are recognised by (client, externalId) or by (client, Idempotency-Key): the same
request gets the credential already issued, a different one under the same key a conflict.
Uniqueness is the database's: a concurrent duplicate fails on the unique constraint inside
a SAVEPOINT, and the request then answers with the winner's credential.
"""

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.identity import hash_identity
from openbadges.jsontypes import dumps
from openbadges.models import OB_CONTEXT, compute_digest_sri, format_datetime
from openbadges.proofs.jwt import sign_jwt
from openbadges.signing import sign_credential
from service.db.tables import CompletionRecord, CredentialRecord, EvidenceRecord, LearnerRecord
from service.domain.achievements import Achievement, AchievementService
from service.domain.audit import record_event
from service.domain.clients import Principal
from service.domain.clock import Clock, utc_now
from service.domain.completions import Completion, validate_completion
from service.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from service.domain.issuers import IssuerProfile, IssuerService
from service.domain.status_lists import StatusListService

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Award:
    """An issued credential as the API returns it."""

    credential_id: uuid.UUID
    url: str
    document: dict[str, Any]
    jwt: str
    status: str
    is_new: bool = field(default=False, compare=False)


class AwardService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        issuers: IssuerService,
        status_lists: StatusListService,
        public_url: str,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._issuers = issuers
        self._status_lists = status_lists
        self._achievements = AchievementService(session, clock)
        self._public_url = public_url
        self._clock = clock

    async def record_completion(
        self, client: Principal, completion: Completion, idempotency_key: str | None = None
    ) -> Award:
        """Issue one credential per completion; a retry returns the first award."""
        if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
            raise InvalidInput(
                [FieldProblem("Idempotency-Key", f"must have 1 to {MAX_KEY_LENGTH} characters")]
            )
        fingerprint = _fingerprint(completion)
        # A retry is answered before validation: rules that changed since must not refuse it.
        if existing := await self._existing(client.id, completion.external_id, idempotency_key):
            return await self._replay(existing, fingerprint)
        achievement = await validate_completion(
            completion, client, self._achievements, self._issuers, self._clock
        )
        record = await self._insert_completion(
            client, completion, achievement, idempotency_key, fingerprint
        )
        if isinstance(record, Award):
            return record
        award = await self._issue(record, completion, achievement)
        await record_event(
            self._session,
            actor=client.client_id,
            action="credential.issue",
            subject=str(award.credential_id),
            detail={"achievement": achievement.slug, "externalId": completion.external_id},
            clock=self._clock,
        )
        return award

    async def _insert_completion(
        self,
        client: Principal,
        completion: Completion,
        achievement: Achievement,
        idempotency_key: str | None,
        fingerprint: str,
    ) -> CompletionRecord | Award:
        """The new completion, or the award of a concurrent duplicate that committed first."""
        learner_id = await self._learner(completion)
        record = CompletionRecord(
            client_id=client.id,
            external_id=completion.external_id,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            learner_id=learner_id,
            achievement_id=achievement.id,
            completed_at=completion.completed_at,
            share_reflections=completion.share_reflections,
            created_at=self._clock(),
        )
        try:
            async with self._session.begin_nested():
                self._session.add(record)
                await self._session.flush()
        except IntegrityError:
            winner = await self._existing(client.id, completion.external_id, idempotency_key)
            if winner is None:
                raise
            return await self._replay(winner, fingerprint)
        return record

    async def evidence_text(self, evidence_id: uuid.UUID) -> str:
        """An answer as stored: its UTF-8 bytes match the credential's ``digestSRI``."""
        record = await self._session.get(EvidenceRecord, evidence_id)
        if record is None:
            raise NotFound("no such evidence")
        return record.answer

    async def get(self, credential_id: uuid.UUID) -> Award | None:
        record = await self._session.get(CredentialRecord, credential_id)
        return self._award(record) if record else None

    async def _issue(
        self, completion_record: CompletionRecord, completion: Completion, achievement: Achievement
    ) -> Award:
        issuer = await self._issuers.by_id(achievement.issuer_id)
        keys = await self._issuers.signing_keys(issuer)
        allocation = await self._status_lists.allocate(issuer.id)
        credential_id = uuid.uuid4()
        evidence = self._evidence(completion_record.id, completion, achievement)
        unsigned = self._credential(credential_id, issuer, completion, achievement, evidence)
        unsigned["credentialStatus"] = self._status_lists.entry(allocation)
        document = sign_credential(unsigned, keys.data_integrity, created=self._clock())
        token = sign_jwt(unsigned, keys.jwt, kid=keys.jwt_kid)
        record = CredentialRecord(
            id=credential_id,
            completion_id=completion_record.id,
            issuer_id=issuer.id,
            document=document,
            jwt=token,
            status="active",
            status_list_id=allocation.list_id,
            status_index=allocation.index,
            issued_at=self._clock(),
        )
        self._session.add_all([*(e for e, _ in evidence), record])
        await self._session.flush()
        return self._award(record, is_new=True)

    def _credential(
        self,
        credential_id: uuid.UUID,
        issuer: IssuerProfile,
        completion: Completion,
        achievement: Achievement,
        evidence: list[tuple[EvidenceRecord, dict[str, Any]]],
    ) -> dict[str, Any]:
        identifiers = [
            hash_identity(completion.learner.email),
            _name_identity(completion.learner.name),
        ]
        subject: dict[str, Any] = {
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "achievement": achievement.to_document(self._public_url),
        }
        if completion.learner.id:
            subject = {"id": completion.learner.id, **subject}
        return {
            "@context": list(OB_CONTEXT),
            "id": f"{self._public_url}/credentials/{credential_id}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": achievement.name,
            "issuer": issuer.to_profile(),
            "validFrom": format_datetime(self._clock()),
            "awardedDate": format_datetime(completion.completed_at),
            "credentialSubject": subject,
            "evidence": [entry for _, entry in evidence],
        }

    def _evidence(
        self, completion_id: uuid.UUID, completion: Completion, achievement: Achievement
    ) -> list[tuple[EvidenceRecord, dict[str, Any]]]:
        """One evidence entry per answer: the text itself, or its URL and digest if private."""
        prompts = {prompt.key: prompt for prompt in achievement.prompts}
        entries = []
        for position, reflection in enumerate(completion.reflections):
            record = EvidenceRecord(
                id=uuid.uuid4(),
                completion_id=completion_id,
                prompt_key=reflection.prompt,
                position=position,
                answer=reflection.answer,
                digest_sri=compute_digest_sri(reflection.answer.encode()),
            )
            entry: dict[str, Any] = {
                "id": f"{self._public_url}/evidence/{record.id}",
                "type": ["Evidence"],
                "name": prompts[reflection.prompt].text,
                "genre": "Preuve et attestation de développement professionnel",
            }
            if completion.share_reflections:
                entry["narrative"] = reflection.answer
            else:
                entry["description"] = (
                    "Réponse réflexive, consultable avec l'accord de la personne."
                )
                entry["digestSRI"] = record.digest_sri
            entries.append((record, entry))
        return entries

    async def _existing(
        self, client_id: uuid.UUID, external_id: str, idempotency_key: str | None
    ) -> CompletionRecord | None:
        by_external = await self._session.scalar(
            select(CompletionRecord).where(
                CompletionRecord.client_id == client_id, CompletionRecord.external_id == external_id
            )
        )
        if by_external is not None or idempotency_key is None:
            return by_external
        return await self._session.scalar(
            select(CompletionRecord).where(
                CompletionRecord.client_id == client_id,
                CompletionRecord.idempotency_key == idempotency_key,
            )
        )

    async def _replay(self, completion: CompletionRecord, fingerprint: str) -> Award:
        if completion.fingerprint != fingerprint:
            raise Conflict(
                "another completion was already recorded under this externalId or Idempotency-Key"
            )
        record = await self._session.scalar(
            select(CredentialRecord).where(CredentialRecord.completion_id == completion.id)
        )
        if record is None:
            raise Conflict("the completion is being recorded; retry shortly")
        return self._award(record)

    async def _learner(self, completion: Completion) -> uuid.UUID:
        """The learner by e-mail, created on first sight (concurrent creations converge)."""
        learner = completion.learner
        query = select(LearnerRecord).where(LearnerRecord.email == learner.email)
        if record := await self._session.scalar(query):
            return record.id
        try:
            async with self._session.begin_nested():
                record = LearnerRecord(
                    email=learner.email, name=learner.name, did=learner.id, created_at=self._clock()
                )
                self._session.add(record)
                await self._session.flush()
        except IntegrityError:
            record = await self._session.scalar(query)
            if record is None:
                raise
        return record.id

    def _award(self, record: CredentialRecord, *, is_new: bool = False) -> Award:
        return Award(
            credential_id=record.id,
            url=f"{self._public_url}/credentials/{record.id}",
            document=record.document,
            jwt=record.jwt,
            status=record.status,
            is_new=is_new,
        )


def _fingerprint(completion: Completion) -> str:
    """What makes two requests "the same": every field, after normalisation."""
    return hashlib.sha256(dumps(completion.to_canonical())).hexdigest()


def _name_identity(name: str) -> dict[str, Any]:
    """The earner's name, in clear: the badge page and the credential show who earned it."""
    return {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}
