"""The Litestar application, built by `create_app` from settings: nothing at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from limits import parse as parse_limit
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from service.api.achievements import AchievementController
from service.api.auth import TokenController
from service.api.completions import CompletionController
from service.api.credentials import (
    CredentialApiController,
    EvidenceController,
    PublicCredentialController,
)
from service.api.dependencies import SERVICES
from service.api.errors import PROBLEM_DETAILS
from service.api.health import HealthController
from service.api.issuers import IssuerDocumentController
from service.api.openapi import openapi_config
from service.api.throttle import RateLimits
from service.api.verifications import VerificationController
from service.db.engine import Database, head_revision
from service.domain.clock import utc_now
from service.domain.keyvault import KeyVault
from service.outbound import SafeFetcher
from service.settings import Settings

__version__ = "0.1.0"

CONTROLLERS = [
    HealthController,
    TokenController,
    AchievementController,
    CompletionController,
    CredentialApiController,
    PublicCredentialController,
    EvidenceController,
    IssuerDocumentController,
    VerificationController,
]


class UnmigratedDatabase(RuntimeError):
    """The database schema is not at the newest migration."""


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> Litestar:
    """Build the app; `database` lets tests share their connection."""
    settings = settings or Settings.from_env()
    database = database or Database.from_url(settings.database_url)
    head = head_revision(settings.database_url)  # read once: /ready asks on every probe
    fetcher = SafeFetcher(http_hosts=settings.fetch_http_hosts)
    rate_limits = RateLimits(
        MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage)),
        anonymous=parse_limit(settings.rate_limit_anonymous),
        authenticated=parse_limit(settings.rate_limit_authenticated),
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            revision = await database.revision()
            if revision != head:
                raise UnmigratedDatabase(
                    f"the database is at migration {revision}, not {head}: run `insigne db upgrade`"
                )
            yield
        finally:
            await rate_limits.close()
            await fetcher.close()
            await database.close()

    return Litestar(
        route_handlers=CONTROLLERS,
        dependencies={"db_session": Provide(database.session), **SERVICES},
        state=State(
            {
                "settings": settings,
                "database": database,
                "migration_head": head,
                "fetcher": fetcher,
                "rate_limits": rate_limits,
                "clock": utc_now,
                "vault": KeyVault(settings.key_encryption_key),
            }
        ),
        lifespan=[lifespan],
        plugins=[PROBLEM_DETAILS],
        debug=settings.debug,
        openapi_config=openapi_config(__version__),
    )
