"""Wallet use cases that span units of work.

A presentation is checked between a read and a write; an offer made on the earner's page is
written, then the page that shows it is read. As for issuance (`service.pipelines.issuance`),
no unit of work is open while a holder's signature is checked.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from openbadges import off_the_loop_if_slow
from service.domain.errors import FieldProblem, InvalidInput
from service.domain.portfolios.badge_pages import BadgePage
from service.domain.texts import Said
from service.domain.wallet.offers import Offer
from service.domain.wallet.presentations import PresentationRefused, authenticate
from service.runtime import Runtime


async def collect_by_presentation(
    runtime: Runtime,
    reference: str,
    presentation: Any,  # noqa: ANN401 - untrusted JSON, checked by `authenticate`
) -> bytes:
    """The VC-API exchange's second step: the badge, in a presentation, for its proven holder."""
    async with runtime.read() as services:
        held = await services.wallet.exchanges.pending(reference)
        domain = services.wallet.exchanges.domain
    try:  # no unit of work open while the signature is checked
        who = await off_the_loop_if_slow(
            authenticate, presentation, challenge=held.challenge or "", domain=domain
        )
    except PresentationRefused as refusal:
        raise InvalidInput(
            [
                FieldProblem(
                    "verifiablePresentation", Said("presentation-refused", reason=str(refusal))
                )
            ]
        ) from None
    async with runtime.write() as services:
        return await services.wallet.exchanges.complete(held, who)


@dataclass(frozen=True)
class EarnerOffer:
    offer: Offer
    page: BadgePage  # the earner's page of the credential, to show the offer on


async def offer_to_earner(
    runtime: Runtime, credential_id: uuid.UUID, token: str, *, tx_code: bool
) -> EarnerOffer:
    """A fresh offer the earner asked for on their page (management token), and that page."""
    async with runtime.write() as services:
        offer = await services.wallet.offers.for_earner(credential_id, token, tx_code=tx_code)
    async with runtime.read() as services:
        viewer = await services.earner_controls.earner(credential_id, token)
        page = await services.badge_pages.credential(credential_id, viewer)
    return EarnerOffer(offer, page)
