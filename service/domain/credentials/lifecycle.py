"""A credential's status after issuance: revoke (final), suspend, reinstate.

Each change updates the credential, re-signs the status list whose bit changed (so a
verifier sees it at once), and writes its audit event and its webhook deliveries in the
same transaction. A change to the status already held is answered as is: no second event,
no re-signing. Credentials issued before suspension existed carry no suspension entry, so
they can only be revoked.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CompletionRecord, CredentialRecord, IssuerRecord
from service.domain.clients.audit import record_event
from service.domain.clients.visibility import CredentialFacts, Viewer
from service.domain.clients.webhooks import publish
from service.domain.clock import Clock, utc_now
from service.domain.credentials.facts import FACTS
from service.domain.credentials.status_lists import StatusListService
from service.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from service.domain.issuers.issuers import IssuerService
from service.domain.texts import Said
from service.domain.urls import Urls

MAX_REASON_LENGTH = 1000
_EVENTS = {"revoked": "credential.revoked", "suspended": "credential.suspended"}


@dataclass(frozen=True)
class StatusChange:
    """A credential's status after a request to change it."""

    credential_id: uuid.UUID
    status: str  # active, suspended, revoked
    reason: str | None
    changed_at: datetime | None
    is_changed: bool  # False: it already had this status (an idempotent repeat)


class CredentialLifecycle:
    def __init__(
        self,
        session: AsyncSession,
        *,
        viewer: Viewer,
        issuers: IssuerService,
        status_lists: StatusListService,
        urls: Urls,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._viewer = viewer
        self._issuers = issuers
        self._status_lists = status_lists
        self._urls = urls
        self._clock = clock

    async def revoke(self, credential_id: uuid.UUID, reason: str, *, actor: str) -> StatusChange:
        """Revoke for good: a revoked credential is never active again."""
        return await self._change(credential_id, "revoked", reason, actor=actor)

    async def suspend(self, credential_id: uuid.UUID, reason: str, *, actor: str) -> StatusChange:
        return await self._change(credential_id, "suspended", reason, actor=actor)

    async def reinstate(self, credential_id: uuid.UUID, reason: str, *, actor: str) -> StatusChange:
        """Lift a suspension; a revoked credential cannot be reinstated."""
        return await self._change(credential_id, "active", reason, actor=actor)

    async def _change(
        self, credential_id: uuid.UUID, target: str, reason: str, *, actor: str
    ) -> StatusChange:
        _check_reason(reason)
        record, facts = await self._load(credential_id)
        if record.status == target:
            return _answer(record, is_changed=False)
        if record.status == "revoked":
            raise Conflict(Said("credential-revoked-final"))
        if target == "suspended" and record.suspension_list_id is None:
            raise Conflict(Said("credential-not-suspendable"))
        previous, now = record.status, self._clock()
        await self._session.execute(
            update(CredentialRecord)
            .where(CredentialRecord.id == credential_id)
            .values(status=target, status_reason=reason, status_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        issuer = await self._issuers.signing_keys(record.issuer_id)
        # Re-sign each list whose bit changed: revocation's on revoke, suspension's on the rest.
        if target == "revoked":
            await self._status_lists.republish(record.status_list_id, issuer)
        if (previous == "suspended" or target == "suspended") and record.suspension_list_id:
            await self._status_lists.republish(record.suspension_list_id, issuer)
        event = _EVENTS.get(target, "credential.reinstated")
        await record_event(
            self._session,
            actor=actor,
            action=event,
            subject=str(credential_id),
            detail={"reason": reason, "from": previous},
            clock=self._clock,
            issuer=facts.issuer_slug,
        )
        await publish(
            self._session,
            event=event,
            issuer_slug=facts.issuer_slug,
            submitted_by=facts.submitted_by,
            data={
                "id": str(credential_id),
                "url": self._urls.credential(credential_id),
                "issuer": facts.issuer_slug,
                "status": target,
                "reason": reason,
            },
            clock=self._clock,
        )
        return StatusChange(credential_id, target, reason, now, is_changed=True)

    async def _load(self, credential_id: uuid.UUID) -> tuple[CredentialRecord, CredentialFacts]:
        row = (
            await self._session.execute(
                select(CredentialRecord, FACTS)
                .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
                .join(IssuerRecord, IssuerRecord.id == CredentialRecord.issuer_id)
                .where(CredentialRecord.id == credential_id)
                .execution_options(populate_existing=True)
            )
        ).first()
        if row is None:
            raise NotFound(Said("no-such-credential"))
        record, facts = row
        if not self._viewer.may_change_status(facts):
            raise NotFound(Said("no-such-credential"))
        return record, facts


def _check_reason(reason: str) -> None:
    if not reason.strip() or len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput([FieldProblem("reason", Said("length-range", most=MAX_REASON_LENGTH))])


def _answer(record: CredentialRecord, *, is_changed: bool) -> StatusChange:
    return StatusChange(
        record.id, record.status, record.status_reason, record.status_changed_at, is_changed
    )
