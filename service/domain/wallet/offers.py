"""Offers: a platform (through the API) or the earner (on their page) asks for a wallet pickup.

An offer lives `OFFER_TTL` and is collected once, by either protocol. The earner may protect
the OID4VCI pickup with a transaction code shown on their page (never sent to the wallet with
the offer); the platform's offers carry none, since nothing shows it to the earner.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.ids import new_id
from service.db.inserts import table_of
from service.db.tables import CredentialRecord, WalletExchangeRecord
from service.domain.clients.audit import record_event
from service.domain.clients.clients import Principal
from service.domain.clients.visibility import Viewer
from service.domain.clock import Clock, utc_now
from service.domain.credentials.earner_controls import EarnerControls
from service.domain.credentials.facts import credential_facts
from service.domain.errors import Conflict, NotFound
from service.domain.texts import Said
from service.domain.urls import Urls
from service.domain.wallet.links import WalletLinks
from service.domain.wallet.records import OFFER_TTL, TX_CODE_LENGTH, digest, pre_authorized_code

_STATUS_FR = {"revoked": "révoqué", "suspended": "suspendu"}


@dataclass(frozen=True)
class Offer:
    """What the wallet is handed, three ways; `tx_code` only for the earner's eyes."""

    interaction_url: str
    lcw_url: str
    credential_offer: str
    expires_at: datetime
    tx_code: str | None = None


class WalletOffers:
    def __init__(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        urls: Urls,
        code_key: bytes,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._principal = principal
        self._urls = urls
        self._links = WalletLinks(urls.base)
        self._code_key = code_key
        self._clock = clock

    async def for_platform(self, credential_id: uuid.UUID) -> Offer:
        """An offer the platform hands its user; only platforms that may read the record."""
        facts = await credential_facts(self._session, credential_id)
        if not Viewer(principal=self._principal).may_read_record(facts):
            raise NotFound(Said("no-such-credential"))
        actor = self._principal.client_id if self._principal else "anonymous"
        return await self._create(credential_id, actor=actor, issuer=facts.issuer_slug)

    async def for_earner(self, credential_id: uuid.UUID, token: str, *, tx_code: bool) -> Offer:
        """An offer made on the earner's page, with a transaction code if they asked for one."""
        controls = EarnerControls(self._session, principal=None, urls=self._urls, clock=self._clock)
        await controls.earner(credential_id, token)
        facts = await credential_facts(self._session, credential_id)
        return await self._create(
            credential_id, actor="earner", issuer=facts.issuer_slug, with_tx_code=tx_code
        )

    async def _create(
        self, credential_id: uuid.UUID, *, actor: str, issuer: str, with_tx_code: bool = False
    ) -> Offer:
        status = await self._session.scalar(
            select(CredentialRecord.status).where(CredentialRecord.id == credential_id)
        )
        if status != "active":
            raise Conflict(
                Said(
                    "credential-not-collectable",
                    status_en=status,
                    status_fr=_STATUS_FR.get(str(status), status),
                )
            )
        now = self._clock()
        reference = secrets.token_urlsafe(32)
        tx_code = (
            "".join(str(secrets.randbelow(10)) for _ in range(TX_CODE_LENGTH))
            if with_tx_code
            else None
        )
        expires_at = now + OFFER_TTL
        await self._session.execute(
            insert(table_of(WalletExchangeRecord)).values(
                id=new_id(),
                credential_id=credential_id,
                reference_hash=digest(reference),
                code_hash=digest(pre_authorized_code(reference, self._code_key)),
                tx_code_hash=digest(tx_code) if tx_code else None,
                tx_failures=0,
                state="offered",
                created_at=now,
                expires_at=expires_at,
            )
        )
        await record_event(
            self._session,
            actor=actor,
            action="credential.wallet-offer",
            subject=str(credential_id),
            detail={"txCode": tx_code is not None},
            clock=self._clock,
            issuer=issuer,
        )
        links = self._links
        return Offer(
            interaction_url=links.interaction(reference),
            lcw_url=links.lcw(reference),
            credential_offer=links.credential_offer(reference),
            expires_at=expires_at,
            tx_code=tx_code,
        )
