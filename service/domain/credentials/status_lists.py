"""Revocation status: Bitstring Status Lists per issuer, random indexes, signed on change.

A credential's index in its issuer's newest list looks random: the list counts the indexes
it handed out, and a keyed permutation (`status_slots`) turns the count into a position.
Herd privacy, as the Bitstring Status List spec describes it, needs two things: a list long
enough that a verifier fetching it learns nothing about which credential it checks (the
spec's minimum, 131,072 entries, which every list has), and positions that reveal neither
the order nor the time of issuance (random ones). Both hold whether a list is 10% or 100%
full, so a list is used to the last index before the next one starts. Taking an index is one
``UPDATE … RETURNING`` on the list's row, found through its unique index, so its cost does
not grow with the credentials; the unique constraint on (list, index) still guards
distinctness, and no lock spans a signature.

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

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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
from service.db.direct import execute
from service.db.ids import new_id
from service.db.inserts import insert_ignoring_conflicts, table_of
from service.db.tables import CredentialRecord, StatusListRecord
from service.domain.clock import Clock, utc_now
from service.domain.credentials.status_slots import permuted_index
from service.domain.errors import Conflict, NotFound
from service.domain.issuers.issuers import IssuerKeys, IssuerService
from service.domain.texts import Said
from service.domain.urls import Urls

PURPOSE: StatusPurpose = "revocation"
SUSPENSION: StatusPurpose = "suspension"
# The credential status whose bit is set in a list of each purpose.
_SET_BY: dict[str, str] = {PURPOSE: "revoked", SUSPENSION: "suspended"}
_ATTEMPTS = 5
_LISTS = table_of(StatusListRecord)
_OLDER = _LISTS.alias("older")
# Built once: the hot path only binds values (see `take_slots`).
_TAKE = (
    update(_LISTS)
    .where(
        _LISTS.c.issuer_id == bindparam("issuer"),
        _LISTS.c.purpose.in_(bindparam("purposes", expanding=True)),
        _LISTS.c.sequence
        == select(func.max(_OLDER.c.sequence))
        .where(_OLDER.c.issuer_id == bindparam("issuer"), _OLDER.c.purpose == _LISTS.c.purpose)
        .scalar_subquery(),
        _LISTS.c.allocated < _LISTS.c.size,
        _LISTS.c.slot_key.is_not(None),
    )
    .values(allocated=_LISTS.c.allocated + 1)
    .returning(
        _LISTS.c.id,
        _LISTS.c.purpose,
        _LISTS.c.sequence,
        _LISTS.c.size,
        _LISTS.c.allocated,
        _LISTS.c.slot_key,
    )
)
_NEWEST = (
    select(_LISTS.c.purpose, func.max(_LISTS.c.sequence))
    .where(_LISTS.c.issuer_id == bindparam("issuer"))
    .group_by(_LISTS.c.purpose)
)


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


@dataclass(frozen=True)
class ResignedList:
    """A list signed again, for the version it was read at (`StatusListService.resign`)."""

    list_id: uuid.UUID
    version: int
    body: bytes


class PublishedLists:
    """Signed lists as last read, by id with their version: one per process.

    Never stale: each use reads the list's version (a primary-key probe of one integer),
    and a version other than the remembered one reads the list again. The version is
    bumped in the same statement that stores a re-signed list (`store_resigned`), so a
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

    async def take_slot(self, issuer_id: uuid.UUID, purpose: StatusPurpose = PURPOSE) -> Slot:
        """The next index of the issuer's newest list, or the next list to start."""
        return (await self.take_slots(issuer_id, (purpose,)))[purpose]

    async def take_slots(
        self, issuer_id: uuid.UUID, purposes: tuple[StatusPurpose, ...] = (PURPOSE, SUSPENSION)
    ) -> dict[StatusPurpose, Slot]:
        """`take_slot` for each purpose at once: one statement while the lists have room.

        The counter is bumped by one ``UPDATE … RETURNING`` found through the unique index
        on (issuer, purpose, sequence): no credential is read, however many there are. It is
        a write, so the unit must be a reserving one (`Database.reserve`): on PostgreSQL the
        statement commits by itself, and its row lock lasts only as long as the statement.
        An index taken and then not used (a retry, a failure) stays a zero bit.
        """
        rows = await execute(
            self._session, _TAKE, {"issuer": issuer_id, "purposes": list(purposes)}
        )
        slots: dict[StatusPurpose, Slot] = {}
        for list_id, purpose, sequence, size, allocated, key in rows:
            index = permuted_index(allocated - 1, bytes.fromhex(key), size)
            slots[_purpose(purpose)] = Slot(list_id, sequence, index, _purpose(purpose))
        if len(slots) < len(purposes):  # no list yet, or the newest is full: start the next
            found = await execute(self._session, _NEWEST, {"issuer": issuer_id})
            newest: dict[str, int] = dict(found.all())
            for purpose in purposes:
                if purpose not in slots:
                    slots[purpose] = Slot(None, newest.get(purpose, 0) + 1, None, purpose)
        return slots

    def new_list(
        self, issuer: IssuerKeys, sequence: int, purpose: StatusPurpose = PURPOSE
    ) -> StatusListRecord:
        """An empty list, signed (pure: `start` stores it)."""
        now = self._clock()
        record = StatusListRecord(
            id=new_id(),
            issuer_id=issuer.issuer.id,
            purpose=purpose,
            sequence=sequence,
            size=MIN_BITS,
            version=1,
            created_at=now,
            signed_at=now,
            allocated=0,
            slot_key=secrets.token_hex(16),
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
            version = (await execute(self._session, _VERSION_OF, {"id": list_id})).scalar()
            if version is None:
                raise NotFound(Said("no-such-status-list"))
            if (known := self._published.recall(list_id, version)) is not None:
                return known
        row = (await execute(self._session, _SIGNED_LIST, {"id": list_id})).one_or_none()
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

    async def resign(
        self, list_id: uuid.UUID, issuer: IssuerKeys, index: int, *, is_set: bool
    ) -> ResignedList:
        """The list signed again with its bit `index` changed: read and signed, not stored.

        The bits are the stored credentials' statuses, with this one change applied, so no
        write (and no lock) precedes the signature; `store_resigned` stores it if the list
        is still at the version it was read at.
        """
        record = await self._session.get(StatusListRecord, list_id, populate_existing=True)
        if record is None:
            raise NotFound(Said("no-such-status-list"))
        bits = await self._set_bits(list_id, record.purpose)
        if is_set:
            bits.add(index)
        else:
            bits.discard(index)
        return ResignedList(list_id, record.version, self._sign(record, bits, issuer))

    async def store_resigned(self, resigned: ResignedList) -> bool:
        """Store a list signed by `resign`; False when another change stored it meanwhile."""
        changed = await self._session.execute(
            update(StatusListRecord)
            .where(StatusListRecord.id == resigned.list_id)
            .where(StatusListRecord.version == resigned.version)
            .values(
                signed_json=resigned.body.decode(),
                version=resigned.version + 1,
                signed_at=self._clock(),
            )
            .execution_options(synchronize_session=False)
        )
        return getattr(changed, "rowcount", 0) == 1

    async def republish(self, list_id: uuid.UUID, issuer: IssuerKeys) -> None:
        """Re-sign the list from the statuses this transaction sees, its own changes included.

        A status change's fallback when another change stored the list since `resign` read
        it: this signature is made while the unit holds what it already wrote (the
        credential's row; SQLite's write lock). Only a race for one list comes here.
        """
        for _ in range(_ATTEMPTS):
            record = await self._session.get(StatusListRecord, list_id, populate_existing=True)
            if record is None:
                raise NotFound(Said("no-such-status-list"))
            bits = await self._set_bits(list_id, record.purpose)
            resigned = ResignedList(list_id, record.version, self._sign(record, bits, issuer))
            if await self.store_resigned(resigned):
                return
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
# On the table (`_LISTS`), not the ORM class: a Core statement skips the ORM's compile and
# loading steps (each verification of an own badge reads the version).
_VERSION_OF = select(_LISTS.c.version).where(_LISTS.c.id == bindparam("id"))
_SIGNED_LIST = select(_LISTS.c.signed_json, _LISTS.c.version).where(_LISTS.c.id == bindparam("id"))


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
    names = (
        "id",
        "issuer_id",
        "purpose",
        "sequence",
        "size",
        "signed_json",
        "version",
        "allocated",
        "slot_key",
    )
    values: dict[str, Any] = {name: getattr(record, name) for name in names}
    created: datetime = record.created_at
    return {**values, "created_at": created, "signed_at": record.signed_at}
