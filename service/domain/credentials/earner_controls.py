"""The earner's controls: a private management link, and what it lets them choose.

The earner has no account. The first answer to a completion carries a management link with an
unguessable token (`secrets.token_urlsafe(32)`); only its SHA-256 is stored. The platform can
ask for a fresh link (the old one stops working), and the visibility policy decides that only
the platforms that may read the credential's record may. Through the link the earner makes
their reflections public or private and hides the badge from portfolio queries; the signed
credential never changes.
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CredentialRecord
from service.domain.clients.audit import record_event
from service.domain.clients.clients import Principal
from service.domain.clients.visibility import Viewer
from service.domain.clock import Clock, utc_now
from service.domain.credentials.facts import credential_facts
from service.domain.errors import NotFound
from service.domain.texts import Said
from service.domain.urls import Urls


@dataclass(frozen=True)
class ManageToken:
    """A new management token: the secret goes to the earner, its hash to the database."""

    token: str
    digest: str

    @classmethod
    def new(cls) -> "ManageToken":
        token = secrets.token_urlsafe(32)
        return cls(token, token_digest(token))


@dataclass(frozen=True)
class EarnerChoices:
    evidence_public: bool
    hidden: bool


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class EarnerControls:
    def __init__(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        urls: Urls,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._principal = principal
        self._urls = urls
        self._clock = clock

    async def renew_link(self, credential_id: uuid.UUID) -> str:
        """A fresh management link for the platform to hand the earner; the old one dies."""
        facts = await credential_facts(self._session, credential_id)
        if not Viewer(principal=self._principal).may_read_record(facts):
            raise NotFound(Said("no-such-credential"))
        fresh = ManageToken.new()
        await self._set(credential_id, manage_token_hash=fresh.digest)
        await record_event(
            self._session,
            actor=self._principal.client_id if self._principal else "anonymous",
            action="credential.manage-link",
            subject=str(credential_id),
            detail={},
            clock=self._clock,
        )
        return self._urls.manage(credential_id, fresh.token)

    async def earner(self, credential_id: uuid.UUID, token: str) -> Viewer:
        """The earner of `credential_id` when `token` is its current management token.

        A wrong token is told "no such page", like an unknown credential.
        """
        stored = await self._session.scalar(
            select(CredentialRecord.manage_token_hash).where(CredentialRecord.id == credential_id)
        )
        if stored is None or not hmac.compare_digest(stored, token_digest(token)):
            raise NotFound(Said("no-such-management-link"))
        return Viewer(principal=self._principal, earner_of=credential_id)

    async def choose(
        self, credential_id: uuid.UUID, token: str, choices: EarnerChoices
    ) -> EarnerChoices:
        """Record the earner's choices (the signed credential is left as it is)."""
        await self.earner(credential_id, token)
        await self._set(
            credential_id, evidence_public=choices.evidence_public, hidden=choices.hidden
        )
        await record_event(
            self._session,
            actor="earner",
            action="credential.earner-choices",
            subject=str(credential_id),
            detail={"evidencePublic": choices.evidence_public, "hidden": choices.hidden},
            clock=self._clock,
        )
        return choices

    async def _set(self, credential_id: uuid.UUID, **values: object) -> None:
        await self._session.execute(
            update(CredentialRecord)
            .where(CredentialRecord.id == credential_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
