"""Per-request services, built from the request's session, and bearer-token principals."""

from typing import Annotated

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.domain.achievements import AchievementService
from service.domain.awards import AwardService
from service.domain.clients import ClientService, Principal
from service.domain.errors import Unauthorized
from service.domain.issuers import IssuerService
from service.domain.keyvault import KeyVault
from service.domain.status_lists import StatusListService
from service.domain.verifications import VerificationService
from service.settings import Settings


def _settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_issuers(db_session: NamedDependency[AsyncSession], state: State) -> IssuerService:
    vault: KeyVault = state.vault
    return IssuerService(db_session, vault=vault, public_url=_settings(state).public_url)


def provide_status_lists(
    db_session: NamedDependency[AsyncSession], state: State
) -> StatusListService:
    return StatusListService(db_session, public_url=_settings(state).public_url)


def provide_awards(
    db_session: NamedDependency[AsyncSession],
    state: State,
    issuers: NamedDependency[IssuerService],
    status_lists: NamedDependency[StatusListService],
) -> AwardService:
    return AwardService(
        db_session,
        issuers=issuers,
        status_lists=status_lists,
        public_url=_settings(state).public_url,
    )


def provide_achievements(db_session: NamedDependency[AsyncSession]) -> AchievementService:
    return AchievementService(db_session)


def provide_clients(db_session: NamedDependency[AsyncSession], state: State) -> ClientService:
    settings = _settings(state)
    return ClientService(
        db_session,
        token_secret=settings.token_secret,
        issuer_url=settings.public_url,
        ttl_seconds=settings.token_ttl_seconds,
    )


def requires(scope: str) -> Provide:
    """A ``principal`` dependency: the bearer token's client, which must hold `scope`."""

    async def principal(
        clients: NamedDependency[ClientService],
        authorization: Annotated[
            str | None, HeaderParameter(name="Authorization", description="Bearer access token")
        ] = None,
    ) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("a bearer access token is required (see POST /oauth/token)")
        found = await clients.principal(token.strip())
        found.require(scope)
        return found

    return Provide(principal)


def provide_verifications(
    state: State,
    issuers: NamedDependency[IssuerService],
    status_lists: NamedDependency[StatusListService],
    awards: NamedDependency[AwardService],
) -> VerificationService:
    settings = _settings(state)
    return VerificationService(
        issuers=issuers,
        status_lists=status_lists,
        awards=awards,
        fetcher=state.fetcher,
        public_url=settings.public_url,
        trusted_issuers=settings.trusted_issuers,
        http_hosts=settings.fetch_http_hosts,
    )


async def optional_principal(
    clients: NamedDependency[ClientService],
    authorization: Annotated[
        str | None, HeaderParameter(name="Authorization", description="optional bearer token")
    ] = None,
) -> Principal | None:
    """The caller's client when a valid bearer token is sent (for a higher rate limit)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await clients.principal(token.strip())


SERVICES = {
    "issuers": Provide(provide_issuers, sync_to_thread=False),
    "status_lists": Provide(provide_status_lists, sync_to_thread=False),
    "awards": Provide(provide_awards, sync_to_thread=False),
    "achievements": Provide(provide_achievements, sync_to_thread=False),
    "clients": Provide(provide_clients, sync_to_thread=False),
    "verifications": Provide(provide_verifications, sync_to_thread=False),
}
