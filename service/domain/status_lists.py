"""Revocation status: Bitstring Status Lists per issuer, random indexes, signed on change.

A credential's index is drawn at random in its issuer's newest list, as the Bitstring
Status List spec recommends for herd privacy (§6.1); the unique constraint on
(list, index) keeps indexes distinct, so no lock is taken to allocate one and concurrent
completions of one issuer proceed in parallel. Sampling candidates also measures how full
the list is: when half the candidates are taken, a new list starts, long before one is full.

A list credential is signed when a bit changes, stored as the text that was signed, and
served as is: reading a list (or verifying an own badge) signs nothing.
"""

import functools
import hashlib
import secrets
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from openbadges.jsontypes import dumps, loads
from openbadges.models import format_datetime
from openbadges.signing import sign_credential
from openbadges.status import (
    MIN_BITS,
    StatusList,
    StatusPurpose,
    status_entry,
    status_list_credential,
)
from service.db.inserts import insert_ignoring_conflicts
from service.db.tables import CredentialRecord, StatusListRecord
from service.domain.clock import Clock, utc_now
from service.domain.errors import Conflict, NotFound
from service.domain.issuers import IssuerKeys, IssuerService
from service.domain.texts import Said
from service.domain.urls import Urls

PURPOSE: StatusPurpose = "revocation"
SUSPENSION: StatusPurpose = "suspension"
# The credential status whose bit is set in a list of each purpose.
_SET_BY: dict[str, str] = {PURPOSE: "revoked", SUSPENSION: "suspended"}
CANDIDATES = 16  # indexes sampled per allocation; half of them taken starts a new list
_ATTEMPTS = 5


@dataclass(frozen=True)
class Slot:
    """A free index in a list, or (``index`` None) the list that must start first."""

    list_id: uuid.UUID | None
    sequence: int
    index: int | None
    purpose: StatusPurpose = PURPOSE


@dataclass(frozen=True)
class PublishedList:
    """A signed list credential as served, with its entity tag."""

    body: bytes
    etag: str

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        """The list credential, parsed once (callers copy it before they change it)."""
        parsed: dict[str, Any] = loads(self.body)
        return parsed


class PublishedLists:
    """Signed lists as last read, by id with their version: one per process.

    Never stale: each use reads the list's version (a primary-key probe of one integer),
    and a version other than the remembered one reads the list again. The version is
    bumped in the same statement that stores a re-signed list (`republish`), so a
    revocation is seen by the very next read. Only read units fill it (the status list
    endpoint, the verifier): they see committed lists, and a committed version has one text.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._lists: OrderedDict[uuid.UUID, tuple[int, PublishedList]] = OrderedDict()

    def recall(self, list_id: uuid.UUID, version: int) -> PublishedList | None:
        found = self._lists.get(list_id)
        if found is None or found[0] != version:
            return None
        self._lists.move_to_end(list_id)
        return found[1]

    def remember(self, list_id: uuid.UUID, version: int, published: PublishedList) -> None:
        self._lists[list_id] = (version, published)
        self._lists.move_to_end(list_id)
        while len(self._lists) > self._size:
            self._lists.popitem(last=False)

    def clear(self) -> None:
        self._lists.clear()


class StatusListService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        issuers: IssuerService,
        urls: Urls,
        clock: Clock = utc_now,
        published_lists: PublishedLists | None = None,
    ) -> None:
        self._session = session
        self._issuers = issuers
        self._urls = urls
        self._clock = clock
        self._published = published_lists

    def entry(
        self, list_id: uuid.UUID, index: int, purpose: StatusPurpose = PURPOSE
    ) -> dict[str, Any]:
        """One ``credentialStatus`` entry of a credential."""
        return status_entry(self._urls.status_list(list_id), index, purpose)

    async def free_slot(self, issuer_id: uuid.UUID, purpose: StatusPurpose = PURPOSE) -> Slot:
        """A random free index in the issuer's newest list, or the next list to start."""
        return (await self.free_slots(issuer_id, (purpose,)))[purpose]

    async def free_slots(
        self, issuer_id: uuid.UUID, purposes: tuple[StatusPurpose, ...] = (PURPOSE, SUSPENSION)
    ) -> dict[StatusPurpose, Slot]:
        """`free_slot` for each purpose at once: two statements, whatever the purposes."""
        older = aliased(StatusListRecord)
        newest = (
            select(func.max(older.sequence))
            .where(older.issuer_id == issuer_id, older.purpose == StatusListRecord.purpose)
            .scalar_subquery()
        )
        lists = {
            purpose: (list_id, sequence, size)
            for list_id, purpose, sequence, size in await self._session.execute(
                select(
                    StatusListRecord.id,
                    StatusListRecord.purpose,
                    StatusListRecord.sequence,
                    StatusListRecord.size,
                ).where(
                    StatusListRecord.issuer_id == issuer_id,
                    StatusListRecord.purpose.in_(purposes),
                    StatusListRecord.sequence == newest,
                )
            )
        }
        candidates = {
            purpose: {secrets.randbelow(lists[purpose][2]) for _ in range(CANDIDATES)}
            for purpose in purposes
            if purpose in lists
        }
        taken: dict[str, set[int]] = {purpose: set() for purpose in candidates}
        queries = [
            select(literal(purpose), index_column).where(
                list_column == lists[purpose][0], index_column.in_(sampled)
            )
            for purpose, sampled in candidates.items()
            for list_column, index_column in [_columns_of(purpose)]
        ]
        if queries:
            for purpose, index in await self._session.execute(union_all(*queries)):
                taken[purpose].add(index)
        slots: dict[StatusPurpose, Slot] = {}
        for purpose in purposes:
            if purpose not in lists:
                slots[purpose] = Slot(None, 1, None, purpose)
                continue
            list_id, sequence, _ = lists[purpose]
            free = sorted(candidates[purpose] - taken[purpose])
            if len(taken[purpose]) * 2 >= len(candidates[purpose]) or not free:
                slots[purpose] = Slot(None, sequence + 1, None, purpose)
            else:
                slots[purpose] = Slot(list_id, sequence, secrets.choice(free), purpose)
        return slots

    def new_list(
        self, issuer: IssuerKeys, sequence: int, purpose: StatusPurpose = PURPOSE
    ) -> StatusListRecord:
        """An empty list, signed (pure: `start` stores it)."""
        now = self._clock()
        record = StatusListRecord(
            id=uuid.uuid4(),
            issuer_id=issuer.issuer.id,
            purpose=purpose,
            sequence=sequence,
            size=MIN_BITS,
            version=1,
            created_at=now,
            signed_at=now,
        )
        record.signed_json = self._sign(record, set(), issuer).decode()
        return record

    async def start(self, record: StatusListRecord) -> None:
        """Store a new list; when a concurrent request started the same one, keep theirs."""
        await insert_ignoring_conflicts(
            self._session,
            StatusListRecord,
            _columns(record),
            ["issuer_id", "purpose", "sequence"],
        )

    async def published(self, list_id: uuid.UUID) -> PublishedList:
        """The list credential as stored when it was last signed.

        With a `PublishedLists`, an unchanged list (same version) is not read again.
        """
        if self._published is not None:
            version = await self._session.scalar(_VERSION_OF, {"id": list_id})
            if version is None:
                raise NotFound("no such status list")
            if (known := self._published.recall(list_id, version)) is not None:
                return known
        row = (await self._session.execute(_SIGNED_LIST, {"id": list_id})).one_or_none()
        if row is not None and row.signed_json is not None:
            body = row.signed_json.encode()
            published = PublishedList(body, _etag(body))
            if self._published is not None:
                self._published.remember(list_id, row.version, published)
            return published
        record = await self._session.get(StatusListRecord, list_id)
        if record is None:
            raise NotFound(Said("no-such-status-list"))
        if record.signed_json is not None:
            body = record.signed_json.encode()
        else:  # made before lists were stored signed (migration 0002): stored at its next change
            issuer = await self._issuers.signing_keys(record.issuer_id)
            body = self._sign(record, await self._set_bits(list_id, record.purpose), issuer)
        return PublishedList(body, _etag(body))

    async def republish(self, list_id: uuid.UUID, issuer: IssuerKeys) -> PublishedList:
        """Re-sign the list from the credentials' statuses; call after a bit changed.

        The list row is not locked while signing: the update applies only if no other
        transaction re-signed the list meanwhile, and otherwise the bits are read again.
        """
        for _ in range(_ATTEMPTS):
            record = await self._session.get(StatusListRecord, list_id, populate_existing=True)
            if record is None:
                raise NotFound(Said("no-such-status-list"))
            body = self._sign(record, await self._set_bits(list_id, record.purpose), issuer)
            changed = await self._session.execute(
                update(StatusListRecord)
                .where(StatusListRecord.id == list_id, StatusListRecord.version == record.version)
                .values(
                    signed_json=body.decode(), version=record.version + 1, signed_at=self._clock()
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(changed, "rowcount", 0) == 1:
                return PublishedList(body, _etag(body))
        raise Conflict(Said("status-list-busy"))

    async def _set_bits(self, list_id: uuid.UUID, purpose: str = PURPOSE) -> set[int]:
        list_column, index_column = _columns_of(purpose)
        indexes = await self._session.scalars(
            select(index_column).where(
                list_column == list_id, CredentialRecord.status == _SET_BY[purpose]
            )
        )
        return {index for index in indexes if index is not None}

    def _sign(self, record: StatusListRecord, bits: set[int], issuer: IssuerKeys) -> bytes:
        status_list = StatusList(record.size)
        for index in bits:
            status_list.set(index)
        unsigned = status_list_credential(
            id=self._urls.status_list(record.id),
            issuer=issuer.issuer.did,
            purpose=_purpose(record.purpose),
            status_list=status_list,
            valid_from=format_datetime(record.created_at),  # not now: verifiers' clocks lag
        )
        return dumps(sign_credential(unsigned, issuer.keys.data_integrity, created=self._clock()))


# Statements built once (their compiled form is cached): read on every own verification.
_VERSION_OF = select(StatusListRecord.version).where(StatusListRecord.id == bindparam("id"))
_SIGNED_LIST = select(StatusListRecord.signed_json, StatusListRecord.version).where(
    StatusListRecord.id == bindparam("id")
)


def _columns_of(purpose: str) -> tuple[Any, Any]:
    """The credential columns that hold an entry of `purpose`: (list id, index)."""
    if purpose == SUSPENSION:
        return CredentialRecord.suspension_list_id, CredentialRecord.suspension_index
    return CredentialRecord.status_list_id, CredentialRecord.status_index


def _purpose(value: str) -> StatusPurpose:
    return SUSPENSION if value == SUSPENSION else PURPOSE


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _columns(record: StatusListRecord) -> dict[str, Any]:
    names = ("id", "issuer_id", "purpose", "sequence", "size", "signed_json", "version")
    values: dict[str, Any] = {name: getattr(record, name) for name in names}
    created: datetime = record.created_at
    return {**values, "created_at": created, "signed_at": record.signed_at}
