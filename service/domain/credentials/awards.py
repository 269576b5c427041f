"""Completions in, signed badges out: exactly one credential per completion.

Issuance is a pipeline over two short units of work, with the signatures between them
(`service.pipelines.issuance` runs it): `prepare` reads (idempotency, validation, keys, a status
slot, the event's webhook endpoints), the credential is built and signed with no transaction
open, and `store` writes the learner, the completion, its evidence, the credential, its audit
event and webhook deliveries at once (`service.db.award_writes`: one statement on PostgreSQL).

Retries are recognised by (client, externalId) or by (client, Idempotency-Key): the same
request gets the credential already issued, a different one under the same key a conflict.
Uniqueness is the database's: a concurrent duplicate's insert is ignored on the unique
constraint, and the request then answers with the winner's credential.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.jsontypes import dumps
from openbadges.status import StatusPurpose
from service.db.award_writes import AwardRows, write_award
from service.db.direct import execute
from service.db.ids import new_id
from service.db.tables import (
    CompletionRecord,
    CredentialRecord,
    EvidenceRecord,
)
from service.domain.catalogue.achievements import AchievementService
from service.domain.catalogue.tracks import check_previous_level
from service.domain.clients.audit import event_row
from service.domain.clients.clients import Principal
from service.domain.clients.visibility import Viewer
from service.domain.clients.webhooks import delivery_rows, followers
from service.domain.clock import Clock, utc_now
from service.domain.credentials.completions import Completion, validate_completion
from service.domain.credentials.credentials import Draft, SignedCredential, evidence_items
from service.domain.credentials.earner_controls import ManageToken
from service.domain.credentials.facts import credential_facts
from service.domain.credentials.status_lists import PURPOSE as REVOCATION
from service.domain.credentials.status_lists import SUSPENSION, StatusListService
from service.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, Unauthorized
from service.domain.issuers.issuers import IssuerKeys, IssuerService
from service.domain.texts import Said
from service.domain.urls import Urls

MAX_KEY_LENGTH = 200
_ISSUED = "credential.issued"  # the webhook event of a new credential


def _replay_statement(*, with_key: bool) -> Any:  # noqa: ANN401 - a Select of five columns
    """An earlier request's award by externalId (or Idempotency-Key): built once, then bound."""
    external_id = CompletionRecord.external_id == bindparam("external_id")
    matches = [external_id, CompletionRecord.idempotency_key == bindparam("key")]
    return (
        select(
            CompletionRecord.fingerprint,
            CredentialRecord.id,
            CredentialRecord.signed_json,
            CredentialRecord.jwt,
            CredentialRecord.status,
        )
        .outerjoin(CredentialRecord, CredentialRecord.completion_id == CompletionRecord.id)
        .where(
            CompletionRecord.client_id == bindparam("client"),
            or_(*matches) if with_key else external_id,
        )
        .order_by(CompletionRecord.external_id != bindparam("external_id"))
        .limit(1)
    )


_REPLAY = _replay_statement(with_key=True)
_REPLAY_BY_EXTERNAL_ID = _replay_statement(with_key=False)


@dataclass(frozen=True)
class Award:
    """An issued credential as the API returns it: the signed text, byte for byte."""

    credential_id: uuid.UUID
    url: str
    signed_json: bytes
    jwt: str
    status: str
    is_new: bool = field(default=False, compare=False)
    # The earner's management link: only in the first answer (its token is stored hashed).
    manage_url: str | None = field(default=None, compare=False)

    @property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.signed_json)
        return parsed


@dataclass(frozen=True)
class ListNeeded:
    """The issuer's status list must start (or a next one) before a slot can be taken."""

    issuer: IssuerKeys
    sequence: int
    purpose: StatusPurpose = "revocation"


@dataclass(frozen=True)
class CompletionRequest:
    """A completion as posted, with what makes a retry recognisable."""

    completion: Completion
    idempotency_key: str | None

    @property
    def fingerprint(self) -> str:
        """What makes two requests "the same": every field, after normalisation."""
        return hashlib.sha256(dumps(self.completion.to_canonical())).hexdigest()


class SignAgain(Exception):
    """What was signed can no longer be stored; the unit rolls back and the caller re-signs."""


class SlotTaken(SignAgain):
    """A concurrent request took the same status index first."""


class KeysChanged(SignAgain):
    """The issuer's keys were rotated or marked compromised (by any process) since `prepare`."""


class AwardService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        issuers: IssuerService,
        status_lists: StatusListService,
        achievements: AchievementService,
        urls: Urls,
        clock: Clock = utc_now,
        suspension_entry: bool = False,
    ) -> None:
        self._session = session
        self._principal = principal
        self._issuers = issuers
        self._status_lists = status_lists
        self._achievements = achievements
        self._urls = urls
        self._clock = clock
        # Off (the default): the revocation entry alone, as the OB 3.0 JSON schema wants.
        self._purposes = (REVOCATION, SUSPENSION) if suspension_entry else (REVOCATION,)

    async def prepare(self, request: CompletionRequest) -> Award | Draft | ListNeeded:
        """A retry's award, or the validated draft of a new credential.

        It reads, and last takes the draft's status index(es): run it on a reserving unit
        (`Database.reserve`), whose counter statement commits by itself.
        """
        client = self._client()
        key = request.idempotency_key
        if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
            raise InvalidInput(
                [FieldProblem("Idempotency-Key", Said("length-range", most=MAX_KEY_LENGTH))]
            )
        # A retry is answered before validation: rules that changed since must not refuse it.
        if replay := await self._replay(client, request):
            return replay
        completion = request.completion
        achievement = await validate_completion(
            completion, client, self._achievements, self._issuers, self._clock
        )
        await check_previous_level(
            self._session, achievement, completion.learner.email, self.viewer
        )
        issuer = await self._issuers.signing_keys(achievement.issuer_id)
        targets = await followers(
            self._session, event=_ISSUED, issuer_slug=issuer.issuer.slug, submitted_by=client.id
        )
        slots = await self._status_lists.take_slots(issuer.issuer.id, self._purposes)
        slot, held = slots[REVOCATION], slots.get(SUSPENSION)
        if slot.list_id is None or slot.index is None:
            return ListNeeded(issuer, slot.sequence)
        if held is not None and (held.list_id is None or held.index is None):
            return ListNeeded(issuer, held.sequence, SUSPENSION)
        held_list, held_index = (held.list_id, held.index) if held else (None, None)
        return Draft(
            credential_id=new_id(),
            completion_id=new_id(),
            completion=completion,
            achievement=achievement,
            issuer=issuer,
            evidence=evidence_items(completion, achievement),
            status=self._status_lists.entry(slot.list_id, slot.index),
            status_list_id=slot.list_id,
            status_index=slot.index,
            issued_at=self._clock(),
            suspension=(
                self._status_lists.entry(held_list, held_index, SUSPENSION)
                if held_list is not None and held_index is not None
                else None
            ),
            suspension_list_id=held_list,
            suspension_index=held_index,
            followers=targets,
        )

    async def store(
        self, request: CompletionRequest, draft: Draft, signed: SignedCredential
    ) -> Award:
        """Write the completion and its credential; a concurrent duplicate gets the winner's.

        One statement on PostgreSQL (`service.db.award_writes`), which commits by itself on a
        reserving unit; the event goes to the endpoints found while preparing.

        Raises:
            SlotTaken: the status index was taken meanwhile (sign again with another).
            KeysChanged: the keys it was signed with were retired meanwhile (sign again).
        """
        client = self._client()
        manage = ManageToken.new()
        rows = self._rows(client, request, draft, signed, manage)
        written = await write_award(self._session, rows)
        if not written.keys_held:
            raise KeysChanged
        if not written.is_new:
            winner = await self._replay(client, request)
            if winner is None:
                raise Conflict(Said("completion-in-progress"))
            return winner
        if not written.credential_stored:
            raise SlotTaken  # either index: any unique constraint
        award = self._award(
            draft.credential_id, signed.json.decode(), signed.jwt, "active", is_new=True
        )
        return replace(award, manage_url=self._urls.manage(draft.credential_id, manage.token))

    def _rows(
        self,
        client: Principal,
        request: CompletionRequest,
        draft: Draft,
        signed: SignedCredential,
        manage: ManageToken,
    ) -> AwardRows:
        """What storing the award writes: learner, completion, evidence, credential, events."""
        completion, now = request.completion, self._clock()
        issuer = draft.issuer.issuer
        summary = {"achievement": draft.achievement.slug, "externalId": completion.external_id}
        event = {
            "id": str(draft.credential_id),
            "url": self._urls.credential(draft.credential_id),
            "issuer": issuer.slug,
            **summary,
            "status": "active",
        }
        return AwardRows(
            issuer_id=issuer.id,
            key_names=draft.issuer.key_names,
            # nothing changes for a learner already known: one identity for every tenant
            learner={
                "id": new_id(),
                "email": completion.learner.email,
                "did": completion.learner.id,
                "created_at": now,
            },
            completion={
                "id": draft.completion_id,
                "client_id": client.id,
                "external_id": completion.external_id,
                "idempotency_key": request.idempotency_key,
                "fingerprint": request.fingerprint,
                "learner_name": completion.learner.name,
                "achievement_id": draft.achievement.id,
                "completed_at": completion.completed_at,
                "share_reflections": completion.share_reflections,
                "created_at": now,
                "achievement_version": draft.achievement.version,
                "hours": completion.hours,
            },
            evidence=[
                {
                    "id": item.id,
                    "completion_id": draft.completion_id,
                    "prompt_key": item.prompt_key,
                    "position": item.position,
                    "answer": item.answer,
                    "digest_sri": item.digest_sri,
                    "prompt_text": item.prompt_text,
                }
                for item in draft.evidence
            ],
            credential={
                "id": draft.credential_id,
                "completion_id": draft.completion_id,
                "issuer_id": issuer.id,
                "signed_json": signed.json.decode(),
                "jwt": signed.jwt,
                "status": "active",
                "status_list_id": draft.status_list_id,
                "status_index": draft.status_index,
                "suspension_list_id": draft.suspension_list_id,
                "suspension_index": draft.suspension_index,
                "issued_at": draft.issued_at,
                "manage_token_hash": manage.digest,
            },
            audit=event_row(
                actor=client.client_id,
                action="credential.issue",
                subject=str(draft.credential_id),
                detail=summary,
                clock=self._clock,
                issuer=issuer.slug,
            ),
            deliveries=delivery_rows(draft.followers, event=_ISSUED, data=event, clock=self._clock),
        )

    async def get(self, credential_id: uuid.UUID) -> Award | None:
        """A credential by id: one statement."""
        row = (
            await self._session.execute(
                select(
                    CredentialRecord.signed_json, CredentialRecord.jwt, CredentialRecord.status
                ).where(CredentialRecord.id == credential_id)
            )
        ).first()
        return self._award(credential_id, *row) if row else None

    async def get_record(self, credential_id: uuid.UUID) -> Award:
        """The API view of a credential, for the platforms the visibility policy allows."""
        facts = await credential_facts(self._session, credential_id)
        award = await self.get(credential_id)
        if award is None or not self.viewer.may_read_record(facts):
            raise NotFound(Said("no-such-credential"))
        return award

    async def evidence_text(self, evidence_id: uuid.UUID) -> str:
        """An answer as stored (its UTF-8 bytes match the ``digestSRI``), for who may read it."""
        row = (
            await self._session.execute(
                select(EvidenceRecord.answer, CredentialRecord.id)
                .join(
                    CredentialRecord, CredentialRecord.completion_id == EvidenceRecord.completion_id
                )
                .where(EvidenceRecord.id == evidence_id)
            )
        ).first()
        if row is None or not self.viewer.may_read_reflections(
            await credential_facts(self._session, row[1])
        ):
            raise NotFound(Said("no-such-evidence"))
        answer: str = row[0]
        return answer

    @property
    def viewer(self) -> Viewer:
        return Viewer(principal=self._principal)

    def _client(self) -> Principal:
        if self._principal is None:
            raise Unauthorized(Said("token-required"))
        return self._principal

    async def _replay(self, client: Principal, request: CompletionRequest) -> Award | None:
        """The award of an earlier request with the same externalId or Idempotency-Key."""
        statement = _REPLAY if request.idempotency_key is not None else _REPLAY_BY_EXTERNAL_ID
        values = {"client": client.id, "external_id": request.completion.external_id}
        if request.idempotency_key is not None:
            values["key"] = request.idempotency_key
        row = (await execute(self._session, statement, values)).first()
        if row is None:
            return None
        fingerprint, credential_id, signed_json, jwt, status = row
        if fingerprint != request.fingerprint:
            raise Conflict(Said("completion-conflict"))
        if credential_id is None:
            raise Conflict(Said("completion-in-progress"))
        return self._award(credential_id, signed_json, jwt, status)

    def _award(
        self,
        credential_id: uuid.UUID,
        signed_json: str,
        jwt: str,
        status: str,
        *,
        is_new: bool = False,
    ) -> Award:
        return Award(
            credential_id=credential_id,
            url=self._urls.credential(credential_id),
            signed_json=signed_json.encode(),
            jwt=jwt,
            status=status,
            is_new=is_new,
        )
