"""The VC-API exchange (W3C VCALM): DID Authentication, then the badge in a presentation.

``POST {}`` to the exchange answers a verifiable presentation request (a ``DIDAuthentication``
query with a fresh challenge and this service's domain); ``POST`` of the signed presentation
is checked (`presentations.authenticate`) with no unit of work open, then one conditional
update (``WHERE state = 'challenged' AND challenge = …``) completes the exchange: a second
presentation, even a valid one, finds it collected. The answer embeds the stored credential
text byte for byte, with a ``redirectUrl`` to the badge page.
"""

import secrets
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.jsontypes import dumps
from service.db.tables import WalletExchangeRecord
from service.domain.clock import Clock, utc_now
from service.domain.errors import Gone, NotFound
from service.domain.texts import Said
from service.domain.urls import Urls
from service.domain.wallet.links import WalletLinks
from service.domain.wallet.presentations import ACCEPTED_SUITES, Authenticated
from service.domain.wallet.records import Held, held_by_reference, record_collected, signed_text

VC_V2 = "https://www.w3.org/ns/credentials/v2"
_SPENT = Said("wallet-exchange-spent")


class VcApiExchanges:
    def __init__(self, session: AsyncSession, *, urls: Urls, clock: Clock = utc_now) -> None:
        self._session = session
        self._urls = urls
        self._links = WalletLinks(urls.base)
        self._clock = clock

    async def protocols(self, reference: str) -> dict[str, Any]:
        """The interaction URL's answer: where each protocol continues (VCALM §3.5)."""
        await self._live(reference)
        return {
            "protocols": {
                "vcapi": self._links.exchange(reference),
                "OID4VCI": self._links.credential_offer(reference),
            }
        }

    async def start(self, reference: str) -> dict[str, Any]:
        """The presentation request; asked again before it is answered, the same challenge."""
        held = await self._live(reference)
        if held.state == "offered":
            challenge = secrets.token_urlsafe(24)
            changed = await self._session.execute(
                update(WalletExchangeRecord)
                .where(WalletExchangeRecord.id == held.id, WalletExchangeRecord.state == "offered")
                .values(state="challenged", challenge=challenge)
                .execution_options(synchronize_session=False)
            )
            if _count(changed) == 1:
                return self._request(reference, challenge)
            held = await self._live(reference)  # another process started it meanwhile
        if held.state != "challenged" or held.challenge is None:
            raise Gone(_SPENT)
        return self._request(reference, held.challenge)

    async def pending(self, reference: str) -> Held:
        """The exchange waiting for its presentation (read before checking the signature)."""
        held = await self._live(reference)
        if held.state != "challenged" or held.challenge is None:
            raise Gone(_SPENT)
        return held

    @property
    def domain(self) -> str:
        return self._links.domain

    async def complete(self, held: Held, who: Authenticated) -> bytes:
        """Mark the exchange collected (once) and answer the badge in a presentation."""
        now = self._clock()
        changed = await self._session.execute(
            update(WalletExchangeRecord)
            .where(
                WalletExchangeRecord.id == held.id,
                WalletExchangeRecord.state == "challenged",
                WalletExchangeRecord.challenge == held.challenge,
                WalletExchangeRecord.expires_at > now,
            )
            .values(state="collected", protocol="vcapi", holder=who.holder, collected_at=now)
            .execution_options(synchronize_session=False)
        )
        if _count(changed) != 1:
            raise Gone(_SPENT)
        await record_collected(
            self._session,
            credential_id=held.credential_id,
            protocol="vcapi",
            holder=who.holder,
            urls=self._urls,
            clock=self._clock,
        )
        credential = await signed_text(self._session, held.credential_id)
        # The credential is spliced in as stored: re-serialising it could change its bytes.
        head = dumps({"@context": [VC_V2], "type": ["VerifiablePresentation"]})[:-1]
        redirect = dumps(self._urls.credential(held.credential_id))
        return (
            b'{"verifiablePresentation":'
            + head
            + b',"verifiableCredential":['
            + credential
            + b']},"redirectUrl":'
            + redirect
            + b"}"
        )

    async def _live(self, reference: str) -> Held:
        held = await held_by_reference(self._session, reference)
        if held is None:
            raise NotFound(Said("no-such-wallet-exchange"))
        if held.state in ("collected", "token", "locked"):
            raise Gone(_SPENT)
        if held.expires_at <= self._clock():
            raise Gone(Said("wallet-exchange-expired"))
        return held

    def _request(self, reference: str, challenge: str) -> dict[str, Any]:
        return {
            "verifiablePresentationRequest": {
                "query": [
                    {
                        "type": "DIDAuthentication",
                        "acceptedMethods": [{"method": "key"}],
                        "acceptedCryptosuites": [{"cryptosuite": s} for s in ACCEPTED_SUITES],
                    }
                ],
                "challenge": challenge,
                "domain": self.domain,
                "interact": {
                    "service": [
                        {
                            "type": "UnmediatedHttpPresentationService2021",
                            "serviceEndpoint": self._links.exchange(reference),
                        }
                    ]
                },
            }
        }


def _count(result: object) -> int:
    count: int = getattr(result, "rowcount", 0)
    return count
