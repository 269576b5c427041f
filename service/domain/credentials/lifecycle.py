"""A credential's status after issuance: revoke (final), suspend, reinstate.

A change is made in two steps, as issuance is (`service/pipelines/status_change.py`):
`prepare` reads the credential and re-signs each status list whose bit changes, writing
nothing; `store` then updates the credential and the lists, and writes the audit event and
the webhook deliveries, in one transaction. So a verifier sees the change at once, and no
lock is held while a list is signed, unless two changes race for one list (see `store`).
A change to the status already held is answered as is: no second event, no re-signing.
Credentials issued before suspension existed carry no suspension entry, so they can only be
revoked.
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
from service.domain.credentials.awards import SignAgain
from service.domain.credentials.facts import FACTS
from service.domain.credentials.status_lists import ResignedList, StatusListService
from service.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from service.domain.issuers.issuers import IssuerKeys, IssuerService
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


@dataclass(frozen=True)
class PreparedChange:
    """A status change read and signed, not yet stored (`CredentialLifecycle.prepare`)."""

    credential_id: uuid.UUID
    previous: str
    target: str
    reason: str
    at: datetime
    facts: CredentialFacts
    issuer: IssuerKeys
    lists: tuple[ResignedList, ...]  # each list whose bit changes, signed again


class ChangedMeanwhile(SignAgain):
    """The credential's status or its issuer's keys changed since `prepare`: prepare again."""


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

    async def prepare(
        self, credential_id: uuid.UUID, target: str, reason: str
    ) -> PreparedChange | StatusChange:
        """Check the change and sign its lists; a status already held is answered as is.

        `target`: revoked (final), suspended, or active (a suspension lifted; a revoked
        credential cannot be reinstated).
        """
        _check_reason(reason)
        record, facts = await self._load(credential_id)
        if record.status == target:
            return _answer(record, is_changed=False)
        if record.status == "revoked":
            raise Conflict(Said("credential-revoked-final"))
        if target == "suspended" and record.suspension_list_id is None:
            raise Conflict(Said("credential-not-suspendable"))
        previous, now = record.status, self._clock()
        issuer = await self._issuers.signing_keys(record.issuer_id)
        lists: list[ResignedList] = []
        # Re-sign each list whose bit changes: revocation's on revoke, suspension's on the rest.
        if target == "revoked":
            lists.append(
                await self._status_lists.resign(
                    record.status_list_id, issuer, record.status_index, is_set=True
                )
            )
        list_id, index = record.suspension_list_id, record.suspension_index
        if "suspended" in (previous, target) and list_id is not None and index is not None:
            lists.append(
                await self._status_lists.resign(
                    list_id, issuer, index, is_set=target == "suspended"
                )
            )
        return PreparedChange(
            credential_id, previous, target, reason, now, facts, issuer, tuple(lists)
        )

    async def store(self, change: PreparedChange, *, actor: str) -> StatusChange:
        """Store a prepared change, its audit event and its webhook deliveries.

        Raises `ChangedMeanwhile` (the unit then rolls back) when the credential's status
        changed since `prepare` read it, or the keys its lists were signed with were
        retired (rotated, compromised; held from here until the unit commits). A list that
        another change stored meanwhile is signed again here (`StatusListService.republish`):
        the one signature made while this unit holds rows, and only when two changes race
        for one list.
        """
        if not await self._issuers.hold_active(change.issuer):
            raise ChangedMeanwhile
        moved = await self._session.execute(
            update(CredentialRecord)
            .where(CredentialRecord.id == change.credential_id)
            .where(CredentialRecord.status == change.previous)
            .values(status=change.target, status_reason=change.reason, status_changed_at=change.at)
            .execution_options(synchronize_session=False)
        )
        if getattr(moved, "rowcount", 0) != 1:
            raise ChangedMeanwhile
        for resigned in change.lists:
            if not await self._status_lists.store_resigned(resigned):  # another change came first
                await self._status_lists.republish(resigned.list_id, change.issuer)
        event = _EVENTS.get(change.target, "credential.reinstated")
        issuer_slug = change.facts.issuer_slug
        await record_event(
            self._session,
            actor=actor,
            action=event,
            subject=str(change.credential_id),
            detail={"reason": change.reason, "from": change.previous},
            clock=self._clock,
            issuer=issuer_slug,
        )
        await publish(
            self._session,
            event=event,
            issuer_slug=issuer_slug,
            submitted_by=change.facts.submitted_by,
            data={
                "id": str(change.credential_id),
                "url": self._urls.credential(change.credential_id),
                "issuer": issuer_slug,
                "status": change.target,
                "reason": change.reason,
            },
            clock=self._clock,
        )
        return StatusChange(
            change.credential_id, change.target, change.reason, change.at, is_changed=True
        )

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
