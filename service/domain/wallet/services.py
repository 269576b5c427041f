"""The wallet services of one unit of work, wired by `service.runtime.build_services`."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from service.domain.clients.clients import Principal
from service.domain.clock import Clock
from service.domain.urls import Urls
from service.domain.wallet.exchanges import VcApiExchanges
from service.domain.wallet.offers import WalletOffers
from service.domain.wallet.oid4vci import OpenIdIssuance


@dataclass(frozen=True)
class WalletServices:
    offers: WalletOffers
    exchanges: VcApiExchanges
    oid4vci: OpenIdIssuance


def wallet_services(
    session: AsyncSession,
    *,
    principal: Principal | None,
    urls: Urls,
    code_key: bytes,
    clock: Clock,
) -> WalletServices:
    """`code_key` derives pre-authorized codes and nonces (from the token secret)."""
    return WalletServices(
        offers=WalletOffers(
            session, principal=principal, urls=urls, code_key=code_key, clock=clock
        ),
        exchanges=VcApiExchanges(session, urls=urls, clock=clock),
        oid4vci=OpenIdIssuance(session, urls=urls, code_key=code_key, clock=clock),
    )
