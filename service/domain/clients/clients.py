"""API clients (training platforms) and their OAuth 2.0 client-credentials tokens.

Client secrets are 256-bit random values, so a single SHA-256 is enough to store them (no
guessing attack can reach a preimage; a slow hash would only slow the token endpoint); they
are compared in constant time and shown once, at creation. Access tokens are short-lived
HS256 JWTs signed with the token secret from settings.
"""

import functools
import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.direct import execute
from service.db.tables import ClientRecord
from service.domain.clients.audit import record_event
from service.domain.clock import Clock, utc_now
from service.domain.errors import (
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    OAuthError,
    Unauthorized,
)
from service.domain.issuers.epochs import EPOCH, EPOCH_ID, Epoch, epoch_of
from service.domain.texts import Said

SCOPES = frozenset(
    {
        "completions:write",
        "credentials:read",
        "credentials:revoke",
        "portfolio:read",
        "webhooks:manage",
        "admin",
    }
)
_AUDIENCE = "insigne-api"
_ALGORITHM = "HS256"
_DUMMY_HASH = hashlib.sha256(b"no such client").hexdigest()


@dataclass(frozen=True)
class Principal:
    """An authenticated client and what its token allows."""

    id: uuid.UUID
    client_id: str
    name: str
    scopes: frozenset[str]
    issuer_slugs: frozenset[str]

    def require(self, scope: str) -> None:
        _require(self.scopes, scope)


def _require(scopes: frozenset[str], scope: str) -> None:
    """Forbidden unless `scopes` holds `scope` (``admin`` holds them all)."""
    if scope not in scopes and "admin" not in scopes:
        raise Forbidden(Said("scope-missing", scope=scope))


@dataclass(frozen=True)
class NewClient:
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int
    scope: str


class ClientService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        token_secret: bytes,
        issuer_url: str,
        ttl_seconds: int = 900,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._secret = token_secret
        self._issuer_url = issuer_url
        self._ttl = ttl_seconds
        self._clock = clock

    async def create(
        self, *, name: str, scopes: set[str], issuer_slugs: set[str], actor: str
    ) -> NewClient:
        unknown = scopes - SCOPES
        if unknown:
            raise InvalidInput(
                [
                    FieldProblem(
                        "scope",
                        Said("scope-names-unknown", unknown=sorted(unknown), known=sorted(SCOPES)),
                    )
                ]
            )
        client_id = "ins_" + secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        self._session.add(
            ClientRecord(
                client_id=client_id,
                name=name,
                secret_hash=_hash(secret),
                scopes=sorted(scopes),
                issuer_slugs=sorted(issuer_slugs),
                created_at=self._clock(),
            )
        )
        await self._audit(
            "client.create",
            client_id,
            issuer_slugs,
            actor=actor,
            detail={"name": name, "scopes": sorted(scopes)},  # not its other issuers
        )
        await self._session.flush()
        return NewClient(client_id, secret)

    async def link_issuer(self, record_id: uuid.UUID, slug: str, *, actor: str) -> None:
        """Let a client act for one more issuer (the one it just created)."""
        record = await self._session.get(ClientRecord, record_id)
        if record is None:
            raise NotFound(Said("no-such-client"))
        record.issuer_slugs = sorted({*record.issuer_slugs, slug})  # a new list: change tracked
        await self._session.flush()
        await self._audit(
            "client.link-issuer", record.client_id, [slug], actor=actor, detail={"issuer": slug}
        )

    async def find_by_name(self, name: str) -> str | None:
        """The client id of the first client named `name` (the demo's, say)."""
        return await self._session.scalar(
            select(ClientRecord.client_id).where(ClientRecord.name == name).limit(1)
        )

    async def opens(self, client_id: str, client_secret: str) -> bool:
        """Whether `client_secret` is the enabled client's current secret (nothing changes)."""
        record = await self._session.scalar(
            select(ClientRecord).where(ClientRecord.client_id == client_id)
        )
        expected = record.secret_hash if record and record.disabled_at is None else _DUMMY_HASH
        return hmac.compare_digest(expected, _hash(client_secret)) and record is not None

    async def renew_secret(self, client_id: str, *, actor: str) -> NewClient:
        """Give a client a new secret (the old one stops working); shown once."""
        record = await self._session.scalar(
            select(ClientRecord).where(ClientRecord.client_id == client_id)
        )
        if record is None:
            raise NotFound(Said("client-unknown", client_id=client_id))
        secret = secrets.token_urlsafe(32)
        record.secret_hash = _hash(secret)
        record.secret_generation += 1  # tokens issued under the old secret stop working now
        await self._audit("client.renew-secret", client_id, record.issuer_slugs, actor=actor)
        await self._session.flush()
        return NewClient(client_id, secret)

    async def disable(self, client_id: str, *, actor: str) -> None:
        """Stop a client: its secret and every token it holds stop working at once."""
        record = await self._session.scalar(
            select(ClientRecord).where(ClientRecord.client_id == client_id)
        )
        if record is None:
            raise NotFound(Said("client-unknown", client_id=client_id))
        if record.disabled_at is None:
            record.disabled_at = self._clock()
            await self._audit("client.disable", client_id, record.issuer_slugs, actor=actor)
        await self._session.flush()

    async def _audit(
        self,
        action: str,
        client_id: str,
        issuer_slugs: Iterable[str],
        *,
        actor: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """One event per issuer the client acts for, so each issuer's admins see it.

        The detail never names the client's other issuers: an admin may not know of them.
        """
        issuers: list[str | None] = [*sorted(issuer_slugs)] or [None]
        for issuer in issuers:
            await record_event(
                self._session,
                actor=actor,
                action=action,
                subject=client_id,
                detail=detail,
                clock=self._clock,
                issuer=issuer,
            )

    async def issue_token(
        self, client_id: str, client_secret: str, requested: str | None
    ) -> AccessToken:
        """RFC 6749 §4.4: authenticate the client, grant the scopes asked for (all by default)."""
        record = await self._session.scalar(
            select(ClientRecord).where(ClientRecord.client_id == client_id)
        )
        expected = record.secret_hash if record and record.disabled_at is None else _DUMMY_HASH
        if not hmac.compare_digest(expected, _hash(client_secret)) or record is None:
            raise OAuthError("invalid_client", Said("client-credentials-invalid"))
        allowed = set(record.scopes)
        wanted = set(requested.split()) if requested else allowed
        if not wanted <= allowed:
            raise OAuthError(
                "invalid_scope", Said("scopes-not-granted", scopes=sorted(wanted - allowed))
            )
        now = self._clock()
        scope = " ".join(sorted(wanted))
        claims = {
            "iss": self._issuer_url,
            "aud": _AUDIENCE,
            "sub": client_id,
            "scope": scope,
            "iat": now,
            "exp": now + timedelta(seconds=self._ttl),
            "jti": uuid.uuid4().hex,
            "gen": record.secret_generation,
        }
        return AccessToken(jwt.encode(claims, self._secret, algorithm=_ALGORITHM), self._ttl, scope)

    async def authenticate(self, client_id: str, client_secret: str) -> Principal:
        """A client by its id and secret (HTTP Basic, as xAPI clients send them)."""
        record = await self._session.scalar(
            select(ClientRecord).where(ClientRecord.client_id == client_id)
        )
        expected = record.secret_hash if record and record.disabled_at is None else _DUMMY_HASH
        if not hmac.compare_digest(expected, _hash(client_secret)) or record is None:
            raise OAuthError("invalid_client", Said("client-credentials-invalid"))
        return principal_of(record)

    async def principal_for(self, client_id: str) -> Principal:
        """A client with all its scopes, for the operator acting on its behalf (the CLI)."""
        record = await self._session.scalar(
            select(ClientRecord).where(ClientRecord.client_id == client_id)
        )
        if record is None or record.disabled_at is not None:
            raise NotFound(Said("client-unknown", client_id=client_id))
        return principal_of(record)

    async def principal(self, token: str) -> Principal:
        """The client behind a bearer token; expired, tampered or revoked tokens fail."""
        return await self.principal_of_claims(token_claims(token, self._secret, self._issuer_url))

    async def principal_of_claims(self, claims: "TokenClaims") -> Principal:
        """The client a token's checked claims name, if it still may act (one statement)."""
        found = await execute(self._session, _BY_CLIENT_ID, {"client_id": claims.client_id})
        return _admitted(claims, found.first())

    async def principal_and_epoch(
        self, claims: "TokenClaims", issuer_slug: str
    ) -> tuple[Principal, Epoch | None]:
        """`principal_of_claims`, and the issuer's published epoch, in the same statement.

        A verifier of an own badge needs both before anything else; one round trip, not two.
        """
        parameters = {"client_id": claims.client_id, "slug": issuer_slug}
        record = (await execute(self._session, _BY_CLIENT_ID_WITH_EPOCH, parameters)).first()
        principal = _admitted(claims, record)
        return principal, epoch_of(record.issuer_id, record.epoch) if record else None


def _admitted(claims: "TokenClaims", record: Any) -> Principal:  # noqa: ANN401 - a client row
    """The client of `record` (a row of `_BY_CLIENT_ID`'s columns), if it still may act."""
    # A disabled client, or a secret renewed since the token was issued: refused at once.
    if (
        record is None
        or record.disabled_at is not None
        or claims.generation != record.secret_generation
    ):
        raise Unauthorized(Said("token-invalid"))
    return principal_of(record, granted=claims.scopes)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a bearer token says, its signature checked.

    Whether its client may still act is `ClientService.principal_of_claims`'s to say.
    """

    client_id: str
    generation: object
    scopes: frozenset[str]
    expires_at: float

    def require(self, scope: str) -> None:
        """What the token grants; the client may hold less now (checked when it is admitted)."""
        _require(self.scopes, scope)


def token_claims(token: str, secret: bytes, issuer_url: str) -> TokenClaims:
    """A bearer token's claims, its signature, audience, issuer and expiry checked (no I/O)."""
    claims = _checked_claims(token, secret, issuer_url)
    if claims.expires_at <= time.time():  # PyJWT's test, made again on a remembered token
        raise Unauthorized(Said("token-expired"))
    return claims


@functools.lru_cache(maxsize=4096)
def _checked_claims(token: str, secret: bytes, issuer_url: str) -> TokenClaims:
    """A token's checked claims, remembered: a platform sends the same token until it expires.

    Only tokens whose signature holds are remembered (an exception is not), so a flood of
    forged ones cannot crowd out real ones; `token_claims` checks expiry again at each use.
    """
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            issuer=issuer_url,
            options={"require": ["exp", "sub", "scope", "gen"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized(Said("token-expired")) from None
    except jwt.PyJWTError:
        raise Unauthorized(Said("token-invalid")) from None
    return TokenClaims(
        client_id=str(claims["sub"]),
        generation=claims["gen"],
        scopes=frozenset(str(claims["scope"]).split()),
        expires_at=float(claims["exp"]),
    )


_CLIENTS = ClientRecord.__table__
_BY_CLIENT_ID = select(  # on the table: no ORM loading on every authenticated request
    _CLIENTS.c.id,
    _CLIENTS.c.client_id,
    _CLIENTS.c.name,
    _CLIENTS.c.scopes,
    _CLIENTS.c.issuer_slugs,
    _CLIENTS.c.disabled_at,
    _CLIENTS.c.secret_generation,
).where(_CLIENTS.c.client_id == bindparam("client_id"))
_BY_CLIENT_ID_WITH_EPOCH = select(
    *_BY_CLIENT_ID.selected_columns, EPOCH_ID.label("issuer_id"), EPOCH.label("epoch")
).where(_CLIENTS.c.client_id == bindparam("client_id"))


def principal_of(record: Any, *, granted: frozenset[str] | None = None) -> Principal:  # noqa: ANN401
    """A client as the visibility policy sees it (its record, or a row with the same names).

    With the scopes its token was `granted` (never more than the client holds), or all of
    its scopes when no token is involved (a webhook delivery).
    """
    scopes = frozenset(record.scopes)
    return Principal(
        id=record.id,
        client_id=record.client_id,
        name=record.name,
        scopes=scopes if granted is None else granted & scopes,
        issuer_slugs=frozenset(record.issuer_slugs),
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
