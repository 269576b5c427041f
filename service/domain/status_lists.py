"""Revocation status: Bitstring Status Lists per issuer, indexes taken under a row lock.

Each credential gets the next index of its issuer's current list; the row is locked
(``SELECT … FOR UPDATE``) while the counter moves, so concurrent processes never share an
index (the unique constraint on credentials backs this). A full list starts the next one.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.models import format_datetime
from openbadges.signing import sign_credential
from openbadges.status import (
    MIN_BITS,
    StatusList,
    StatusPurpose,
    status_entry,
    status_list_credential,
)
from service.db.tables import CredentialRecord, StatusListRecord
from service.domain.clock import Clock, utc_now
from service.domain.errors import Conflict, NotFound
from service.domain.issuers import IssuerService

PURPOSE: StatusPurpose = "revocation"
_ATTEMPTS = 5


@dataclass(frozen=True)
class Allocation:
    list_id: uuid.UUID
    index: int


class StatusListService:
    def __init__(self, session: AsyncSession, *, public_url: str, clock: Clock = utc_now) -> None:
        self._session = session
        self._public_url = public_url
        self._clock = clock

    def url_of(self, list_id: uuid.UUID) -> str:
        return f"{self._public_url}/status/{list_id}"

    def entry(self, allocation: Allocation) -> dict[str, Any]:
        """The credential's ``credentialStatus``."""
        return status_entry(self.url_of(allocation.list_id), allocation.index, PURPOSE)

    async def allocate(self, issuer_id: uuid.UUID) -> Allocation:
        """The next free index, taken under the current list's row lock.

        When there is no list yet, or the current one is full, a new list is inserted inside a
        SAVEPOINT; if a concurrent request inserted the same one first, the unique constraint
        says so and the lock is taken again on the winner's list.
        """
        for _ in range(_ATTEMPTS):
            current = await self._session.scalar(
                select(StatusListRecord)
                .where(StatusListRecord.issuer_id == issuer_id, StatusListRecord.purpose == PURPOSE)
                .order_by(StatusListRecord.sequence.desc())
                .limit(1)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if current is not None and current.next_index < current.size:
                index = current.next_index
                current.next_index = index + 1
                await self._session.flush()
                return Allocation(current.id, index)
            await self._start_list(issuer_id, 1 if current is None else current.sequence + 1)
        raise Conflict("status lists are busy; retry the request")

    async def _start_list(self, issuer_id: uuid.UUID, sequence: int) -> None:
        try:
            async with self._session.begin_nested():
                self._session.add(
                    StatusListRecord(
                        issuer_id=issuer_id,
                        purpose=PURPOSE,
                        sequence=sequence,
                        size=MIN_BITS,
                        next_index=0,
                        created_at=self._clock(),
                    )
                )
                await self._session.flush()
        except IntegrityError:
            pass  # another request started it; the next round locks that one

    async def unsigned_list_credential(self, list_id: uuid.UUID, issuer_did: str) -> dict[str, Any]:
        """The list as it stands now: a bit set for every revoked credential."""
        record = await self._session.get(StatusListRecord, list_id)
        if record is None:
            raise NotFound("no such status list")
        bits = StatusList(record.size)
        revoked = await self._session.scalars(
            select(CredentialRecord.status_index).where(
                CredentialRecord.status_list_id == list_id, CredentialRecord.status == "revoked"
            )
        )
        for index in revoked:
            bits.set(index)
        return status_list_credential(
            id=self.url_of(list_id),
            issuer=issuer_did,
            purpose=PURPOSE,
            status_list=bits,
            valid_from=format_datetime(record.created_at),  # not now: verifiers' clocks lag
        )

    async def signed_list_credential(
        self, list_id: uuid.UUID, issuers: IssuerService
    ) -> dict[str, Any]:
        """The list credential, signed now by its issuer's active key."""
        record = await self._session.get(StatusListRecord, list_id)
        if record is None:
            raise NotFound("no such status list")
        issuer = await issuers.by_id(record.issuer_id)
        unsigned = await self.unsigned_list_credential(list_id, issuer.did)
        keys = await issuers.signing_keys(issuer)
        return sign_credential(unsigned, keys.data_integrity, created=self._clock())
