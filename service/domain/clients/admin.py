"""API clients administered over HTTP: create, list, read, disable, renew the secret.

No privilege escalation (the visibility policy decides): a caller sees and manages only the
clients all of whose issuers it administers, creates them only for issuers it administers,
and grants only the scopes its own token carries (renewing a secret hands the client's scopes
over, so it needs the same). A client may not disable itself. Secrets are shown once, at
creation or renewal; their hashes never leave this module's callers' sight: views omit them.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.json_lists import json_list_holds
from service.db.tables import ClientRecord, IssuerRecord
from service.domain.clients.clients import SCOPES, ClientService, NewClient
from service.domain.clients.visibility import Viewer
from service.domain.cursors import encode_cursor, parse_cursor
from service.domain.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from service.domain.texts import Said

MAX_PAGE = 200


@dataclass(frozen=True)
class ClientView:
    """What admins see of a client: never its secret nor the secret's hash."""

    id: uuid.UUID
    client_id: str
    name: str
    scopes: tuple[str, ...]
    issuers: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class ClientPage:
    items: list[ClientView]
    next_cursor: str | None


@dataclass(frozen=True)
class CreatedClient:
    client: ClientView
    secret: str  # shown once


class ClientAdministration:
    def __init__(self, session: AsyncSession, *, viewer: Viewer, clients: ClientService) -> None:
        self._session = session
        self._viewer = viewer
        self._clients = clients

    async def create(
        self, *, name: str, scopes: set[str], issuers: set[str], actor: str
    ) -> CreatedClient:
        """A client for issuers the caller administers, with scopes it holds itself."""
        await self._check_new(name, scopes, issuers)
        new = await self._clients.create(
            name=name.strip(), scopes=scopes, issuer_slugs=issuers, actor=actor
        )
        return CreatedClient(await self.get(new.client_id), new.client_secret)

    async def page(self, *, cursor: str | None = None, limit: int = 50) -> ClientPage:
        """The clients the caller may see, newest first, by cursor pages."""
        if not 0 < limit <= MAX_PAGE:
            raise InvalidInput([FieldProblem("limit", Said("page-range", most=MAX_PAGE))])
        administered = self._viewer.administered()
        if administered == frozenset():
            return ClientPage([], None)
        query = select(ClientRecord).order_by(
            ClientRecord.created_at.desc(), ClientRecord.id.desc()
        )
        if administered is not None:  # other issuers' clients are not even read
            linked = [
                json_list_holds(ClientRecord.issuer_slugs, slug) for slug in sorted(administered)
            ]
            query = query.where(or_(*linked))
        if cursor is not None:
            at, last = parse_cursor(cursor)
            query = query.where(
                or_(
                    ClientRecord.created_at < at,
                    and_(ClientRecord.created_at == at, ClientRecord.id < last),
                )
            )
        # The policy decides among the clients linked to an issuer the caller administers.
        found: list[ClientView] = []
        for record in await self._session.scalars(query):
            if self._viewer.may_see_client(record.issuer_slugs):
                found.append(_view(record))
                if len(found) > limit:
                    break
        items = found[:limit]
        return ClientPage(
            items, encode_cursor(items[-1].created_at, items[-1].id) if len(found) > limit else None
        )

    async def get(self, client_id: str) -> ClientView:
        return _view(await self._visible(client_id))

    async def disable(self, client_id: str, *, actor: str) -> ClientView:
        """Stop a client and every token it holds; never the caller itself."""
        record = await self._visible(client_id)
        if not self._viewer.may_disable_client(record.id, record.issuer_slugs, record.scopes):
            raise Forbidden(Said("client-disable-refused"))
        await self._clients.disable(client_id, actor=actor)
        return _view(record)

    async def renew_secret(self, client_id: str, *, actor: str) -> NewClient:
        """A new secret, shown once; the old one and its tokens stop working at once."""
        record = await self._visible(client_id)
        if not self._viewer.may_manage_client(record.issuer_slugs, record.scopes):
            raise Forbidden(Said("client-scopes-beyond-token"))
        return await self._clients.renew_secret(client_id, actor=actor)

    async def _visible(self, client_id: str) -> ClientRecord:
        record = await self._session.scalar(
            select(ClientRecord).where(ClientRecord.client_id == client_id)
        )
        if record is None or not self._viewer.may_see_client(record.issuer_slugs):
            raise NotFound(Said("client-unknown", client_id=client_id))
        return record

    async def _check_new(self, name: str, scopes: set[str], issuers: set[str]) -> None:
        problems = []
        if not name.strip():
            problems.append(FieldProblem("name", Said("field-blank")))
        if not scopes:
            problems.append(FieldProblem("scopes", Said("scopes-empty")))
        if scopes - SCOPES:
            unknown = sorted(scopes - SCOPES)
            problems.append(
                FieldProblem(
                    "scopes", Said("scopes-unknown", unknown=unknown, known=sorted(SCOPES))
                )
            )
        existing = set(
            await self._session.scalars(
                select(IssuerRecord.slug).where(IssuerRecord.slug.in_(sorted(issuers)))
            )
        )
        # One message whether a slug is unknown or someone else's: it tells nothing.
        if issuers - existing or not self._viewer.may_see_client(issuers):
            problems.append(FieldProblem("issuers", Said("issuers-administered")))
        if problems:
            raise InvalidInput(problems)
        if not self._viewer.may_grant(scopes):
            raise Forbidden(Said("grant-beyond-token"))


def _view(record: ClientRecord) -> ClientView:
    return ClientView(
        id=record.id,
        client_id=record.client_id,
        name=record.name,
        scopes=tuple(sorted(record.scopes)),
        issuers=tuple(sorted(record.issuer_slugs)),
        created_at=record.created_at,
        disabled_at=record.disabled_at,
    )
