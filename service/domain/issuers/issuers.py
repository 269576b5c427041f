"""Issuers, their identity (did:web) and their signing keys.

An issuer's id in credentials is ``did:web:<host>:issuers:<slug>``, whose controller document
the service serves at ``/issuers/<slug>/did.json``. Each issuer has an active Ed25519 key
(Data Integrity) and an active RSA key (VC-JWT, RS256); rotated keys stay listed so earlier
credentials keep verifying. Which keys are active is read from the database by every unit of
work that signs, so a key change made by any process takes effect at once.
"""

import asyncio
import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from openbadges.dids import controller_document
from openbadges.keys import (
    KeyType,
    generate_key_pair,
    public_jwk,
    public_key_from_jwk,
    public_key_multibase,
)
from openbadges.models import OB_CONTEXT, format_datetime
from service.db.award_writes import HOLD_KEYS
from service.db.direct import execute
from service.db.ids import new_id
from service.db.inserts import insert_ignoring_conflicts, table_of
from service.db.tables import IssuerKeyRecord, IssuerRecord
from service.domain.clients.audit import record_event
from service.domain.clock import Clock, utc_now
from service.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from service.domain.issuers.epochs import EPOCH_BY_SLUG, Epoch, epoch_of
from service.domain.issuers.signer import Signer, SigningKeys
from service.domain.texts import Said
from service.domain.urls import Urls

SIGNING_KINDS: tuple[KeyType, ...] = ("ed25519", "rsa")


@dataclass(frozen=True)
class IssuerProfile:
    """What credentials say about an issuer."""

    id: uuid.UUID
    slug: str
    did: str
    name: str
    url: str
    email: str
    image_url: str | None
    description: str | None
    parent_id: uuid.UUID | None = None  # the parent organisation's issuer

    def to_profile(self) -> dict[str, Any]:
        """The OB 3.0 Profile embedded in credentials."""
        profile: dict[str, Any] = {
            "id": self.did,
            "type": ["Profile"],
            "name": self.name,
            "url": self.url,
        }
        profile["email"] = self.email
        if self.description:
            profile["description"] = self.description
        if self.image_url:
            profile["image"] = {"id": self.image_url, "type": "Image"}
        return profile


def to_issuer_profile(record: Any, urls: Urls) -> IssuerProfile:  # noqa: ANN401 - a record, or a row
    """The profile of an issuer's record, or of a row with the same names."""
    return IssuerProfile(
        id=record.id,
        slug=record.slug,
        did=urls.issuer_did(record.slug),
        name=record.name,
        url=record.url,
        email=record.email,
        image_url=record.image_url,
        description=record.description,
        parent_id=record.parent_id,
    )


@dataclass(frozen=True)
class IssuerKeys:
    """An issuer and its active keys: what signing a credential needs."""

    issuer: IssuerProfile
    keys: SigningKeys

    @property
    def key_names(self) -> list[str]:
        """The keys' names (their verification methods' fragments): Data Integrity, VC-JWT."""
        return [pair.id.rsplit("#", 1)[1] for pair in (self.keys.data_integrity, self.keys.jwt)]


# Built once: every issuance runs them.
_ISSUERS = IssuerRecord.__table__
_KEYS = IssuerKeyRecord.__table__
_SIGNING_KEYS = (  # on the tables: no ORM loading on the hot path
    select(
        _ISSUERS,
        _KEYS.c.name.label("key_name"),
        _KEYS.c.kind.label("key_kind"),
        _KEYS.c.encrypted_private_key.label("key_sealed"),
    )
    .join(_KEYS, _KEYS.c.issuer_id == _ISSUERS.c.id)
    .where(_ISSUERS.c.id == bindparam("issuer"), _KEYS.c.is_active)
)


class IssuerService:
    def __init__(
        self, session: AsyncSession, *, signer: Signer, urls: Urls, clock: Clock = utc_now
    ) -> None:
        self._session = session
        self._signer = signer
        self._urls = urls
        self._clock = clock
        self._keys: dict[uuid.UUID, IssuerKeys] = {}  # this unit of work's reads

    def did_of(self, slug: str) -> str:
        return self._urls.issuer_did(slug)

    async def create(
        self,
        *,
        slug: str,
        name: str,
        url: str,
        email: str,
        actor: str,
        description: str | None = None,
        image_url: str | None = None,
        parent_id: uuid.UUID | None = None,
    ) -> IssuerProfile:
        """A new issuer with its first keys; a slug taken (now or concurrently) is a Conflict."""
        values = {
            "id": new_id(),
            "slug": slug,
            "name": name,
            "url": url,
            "email": email,
            "description": description,
            "image_url": image_url,
            "parent_id": parent_id,
            "created_at": self._clock(),
        }
        # The unique constraint decides, so two concurrent creations cannot both win.
        if not await insert_ignoring_conflicts(self._session, IssuerRecord, values, ["slug"]):
            raise Conflict(Said("issuer-exists", slug=slug))
        record = await self._record(slug)
        for kind in SIGNING_KINDS:
            await self._add_key(record, kind, generation=1)
        await record_event(
            self._session,
            actor=actor,
            action="issuer.create",
            subject=slug,
            clock=self._clock,
            issuer=slug,
        )
        return self._profile(record)

    async def find(self, slug: str) -> IssuerProfile | None:
        record = await self._session.scalar(select(IssuerRecord).where(IssuerRecord.slug == slug))
        return self._profile(record) if record else None

    async def profiles(self, slugs: Iterable[str] | None = None) -> list[IssuerProfile]:
        """The issuers with these slugs (None: all), by slug."""
        query = select(IssuerRecord).order_by(IssuerRecord.slug)
        if slugs is not None:
            query = query.where(IssuerRecord.slug.in_(sorted(slugs)))
        return [self._profile(record) for record in await self._session.scalars(query)]

    async def by_id(self, issuer_id: uuid.UUID) -> IssuerProfile:
        record = await self._session.get(IssuerRecord, issuer_id)
        if record is None:
            raise NotFound(Said("no-such-issuer"))
        return self._profile(record)

    async def signing_keys(self, issuer_id: uuid.UUID) -> IssuerKeys:
        """The issuer and its active keys, as the database says now (one statement).

        Read in the caller's unit of work, never from a per-process cache: a rotation or a
        compromise committed by any process (API, CLI, another replica) decides the very
        next signature. Only the decryption is cached (`KeyVault`, by sealed bytes, which a
        key never changes), and the unit of work reads it once.
        """
        if (known := self._keys.get(issuer_id)) is not None:
            return known
        rows = (await execute(self._session, _SIGNING_KEYS, {"issuer": issuer_id})).all()
        if not rows:
            raise NotFound(Said("no-such-issuer"))
        issuer = self._profile(rows[0])
        pairs = {
            row.key_kind: self._signer.key_pair(
                f"{issuer.did}#{row.key_name}", issuer.did, row.key_sealed
            )
            for row in rows
        }
        found = IssuerKeys(issuer, SigningKeys(pairs["ed25519"], pairs["rsa"]))
        self._keys[issuer_id] = found
        return found

    async def hold_active(self, keys: IssuerKeys) -> bool:
        """Whether `keys` are still the issuer's active keys, held so until the unit commits.

        A credential is signed between two units of work; its write unit calls this so that a
        rotation or compromise committed meanwhile makes the caller sign again with the new
        keys. The rows are read ``FOR SHARE`` (PostgreSQL): a rotation, which updates them,
        waits for this unit to commit (SQLite serialises writers anyway).
        """
        names = keys.key_names
        held = (
            await execute(self._session, HOLD_KEYS, {"issuer": keys.issuer.id, "names": names})
        ).scalars()
        return sorted(held) == sorted(names)

    async def profile_document(self, slug: str) -> dict[str, Any]:
        """The issuer's OB 3.0 Profile, published at ``/issuers/<slug>``."""
        record = await self._record(slug)
        document = {"@context": list(OB_CONTEXT), **self._profile(record).to_profile()}
        parent = (
            await self._session.get(IssuerRecord, record.parent_id) if record.parent_id else None
        )
        if parent is not None:
            # OB 3.0 Profile.parentOrg is itself a Profile: its id, type and what names it.
            document["parentOrg"] = {
                "id": self.did_of(parent.slug),
                "type": ["Profile"],
                "name": parent.name,
                "url": parent.url,
            }
        return document

    async def update(self, slug: str, changes: dict[str, Any], *, actor: str) -> IssuerProfile:
        """Set the given columns (already checked); credentials signed before keep their bytes."""
        record = await self._record(slug)
        for column, value in changes.items():
            setattr(record, column, value)
        await self._session.flush()
        self._keys.pop(record.id, None)  # read before the change: the old profile
        await record_event(
            self._session,
            actor=actor,
            action="issuer.update",
            subject=slug,
            detail={"fields": sorted(changes)},
            clock=self._clock,
            issuer=slug,
        )
        return self._profile(record)

    async def controller_document(self, slug: str) -> dict[str, Any]:
        """The did:web document: every key, active or retired, as an assertion method.

        One statement of plain columns (no ORM records): each verification of an own badge
        reads it, so it is read afresh (a compromise mark shows at once) but cheaply.
        """
        rows = (await execute(self._session, _KEYS_BY_SLUG, {"slug": slug})).all()
        if not rows:
            raise NotFound(Said("issuer-unknown", slug=slug))
        did = self.did_of(slug)
        methods = [_method(did, key) for key in rows if key.name is not None]
        return controller_document(did, methods)

    async def published_epoch(self, slug: str) -> Epoch | None:
        """The issuer's published epoch (None: no issuer has this slug); see `epochs`."""
        row = (await execute(self._session, EPOCH_BY_SLUG, {"slug": slug})).one()
        return epoch_of(row.issuer_id, row.epoch)

    async def is_hosted(self, slug: str) -> bool:
        """Whether an issuer with this slug is hosted here (one cheap statement)."""
        found = await execute(self._session, _ISSUER_BY_SLUG, {"slug": slug})
        return found.scalar() is not None

    async def public_jwk(self, slug: str, key_name: str) -> dict[str, Any]:
        record = await self._session.scalar(
            select(IssuerKeyRecord)
            .join(IssuerRecord)
            .where(IssuerRecord.slug == slug, IssuerKeyRecord.name == key_name)
        )
        if record is None:
            raise NotFound(Said("issuer-key-unknown", slug=slug, key=key_name))
        return dict(record.public_jwk)

    async def rotate_keys(self, slug: str, *, actor: str) -> list[str]:
        """Retire the active keys and make new ones; returns the new verification method ids."""
        record = await self._record(slug, with_keys=True)
        now = self._clock()
        generation = 1 + sum(1 for key in record.keys if key.kind == SIGNING_KINDS[0])
        for key in record.keys:
            if key.is_active:
                key.is_active = False
                key.retired_at = now
        await self._session.flush()
        created = [await self._add_key(record, kind, generation) for kind in SIGNING_KINDS]
        self._keys.pop(record.id, None)
        did = self.did_of(slug)
        await record_event(
            self._session,
            actor=actor,
            action="issuer.keys.rotate",
            subject=slug,
            clock=self._clock,
            issuer=slug,
        )
        return [f"{did}#{name}" for name in created]

    async def mark_compromised(
        self, slug: str, key_name: str, since: datetime, *, actor: str
    ) -> list[str]:
        """Refuse proofs the key made from `since` on; an active key is rotated out first.

        Returns the verification methods made by the rotation (none for a retired key).
        """
        record = await self._record(slug, with_keys=True)
        key = next((key for key in record.keys if key.name == key_name), None)
        if key is None:
            raise NotFound(Said("issuer-key-unknown", slug=slug, key=key_name))
        if since.tzinfo is None:
            raise InvalidInput([FieldProblem("since", Said("date-needs-zone"))])
        rotated = await self.rotate_keys(slug, actor=actor) if key.is_active else []
        key.compromised_at = min(since, key.compromised_at or since)
        await self._session.flush()
        await record_event(
            self._session,
            actor=actor,
            action="issuer.key.compromise",
            subject=f"{slug}#{key_name}",
            detail={"since": since.isoformat()},
            clock=self._clock,
            issuer=slug,
        )
        return rotated

    async def _add_key(self, record: IssuerRecord, kind: KeyType, generation: int) -> str:
        name = f"key-{kind}-{generation}"
        did = self.did_of(record.slug)
        # An RSA key takes 20 to 100 ms or more (a prime search): off the event loop.
        pair = await asyncio.to_thread(
            generate_key_pair, kind, controller=did, vm_id=f"{did}#{name}"
        )
        self._session.add(
            IssuerKeyRecord(
                issuer_id=record.id,
                name=name,
                kind=kind,
                public_jwk=public_jwk(pair.public_key),
                encrypted_private_key=self._signer.seal(pair.private_key),
                is_active=True,
                created_at=self._clock(),
            )
        )
        await self._session.flush()
        return name

    async def _record(self, slug: str, *, with_keys: bool = False) -> IssuerRecord:
        query = select(IssuerRecord).where(IssuerRecord.slug == slug)
        if with_keys:
            query = query.options(selectinload(IssuerRecord.keys))
        record = await self._session.scalar(query)
        if record is None:
            raise NotFound(Said("issuer-unknown", slug=slug))
        return record

    def _profile(self, record: Any) -> IssuerProfile:  # noqa: ANN401 - a record, or a row
        return to_issuer_profile(record, self._urls)


# Statements built once (SQLAlchemy caches their compiled form): the verifier's hot path.
# On the tables, not the ORM classes: a Core statement skips the ORM's compile and loading
# steps (about a fifth of a statement's CPU), and these read plain columns only.
_ISSUERS, _KEYS = table_of(IssuerRecord), table_of(IssuerKeyRecord)
_KEYS_BY_SLUG = (
    select(_KEYS.c.name, _KEYS.c.kind, _KEYS.c.public_jwk, _KEYS.c.compromised_at)
    .select_from(_ISSUERS)
    .outerjoin(_KEYS, _KEYS.c.issuer_id == _ISSUERS.c.id)
    .where(_ISSUERS.c.slug == bindparam("slug"))
    .order_by(_KEYS.c.created_at)
)
_ISSUER_BY_SLUG = select(_ISSUERS.c.id).where(_ISSUERS.c.slug == bindparam("slug"))


class _KeyColumns(Protocol):
    name: str
    kind: str
    public_jwk: dict[str, Any]
    compromised_at: datetime | None


@functools.lru_cache(maxsize=1024)
def _multibase(x: str) -> str:
    """An Ed25519 public key (its JWK's ``x``) as a Multikey: every own verification shows it."""
    return public_key_multibase(public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": x}))


def _method(did: str, key: _KeyColumns) -> dict[str, Any]:
    method: dict[str, Any] = {"id": f"{did}#{key.name}", "controller": did}
    if key.compromised_at is not None:
        # Controlled Identifiers 1.0 §2.2.5: when the method was revoked (here: compromised).
        method["revoked"] = format_datetime(key.compromised_at)
    if key.kind == "ed25519":
        method.update(type="Multikey", publicKeyMultibase=_multibase(key.public_jwk["x"]))
    else:
        method.update(type="JsonWebKey", publicKeyJwk=dict(key.public_jwk))
    return method
