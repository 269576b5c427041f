"""The Litestar application, built by `create_app` from settings: nothing at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar

from service.api.achievements import AchievementController
from service.api.audit import AuditController
from service.api.auth import TokenController
from service.api.batch import BatchController
from service.api.completions import CompletionController
from service.api.credentials import (
    CredentialApiController,
    EvidenceController,
    PublicCredentialController,
)
from service.api.dependencies import provide_runtime
from service.api.errors import PROBLEM_DETAILS
from service.api.health import HealthController
from service.api.issuers import IssuerDocumentController
from service.api.keys import IssuerKeyController
from service.api.lifecycle import CredentialStatusController
from service.api.openapi import openapi_config
from service.api.registry import CredentialRegistryController
from service.api.tracks import TrackController
from service.api.verifications import VerificationController
from service.api.webhooks import WebhookController
from service.db.engine import Database
from service.domain.clock import Clock, utc_now
from service.runtime import Runtime
from service.settings import Settings
from service.webhook_worker import in_process_worker

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
    CredentialStatusController,
    WebhookController,
    BatchController,
    CredentialRegistryController,
    IssuerKeyController,
    TrackController,
    AuditController,
]


class UnmigratedDatabase(RuntimeError):
    """The database schema is not at the newest migration."""


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock = utc_now,
) -> Litestar:
    """Build the app; `database` lets tests share their connection, `clock` freeze time."""
    runtime = Runtime.build(settings or Settings.from_env(), database=database, clock=clock)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            is_ready, detail = await runtime.readiness()
            if not is_ready:
                raise UnmigratedDatabase(f"{detail}: run `insigne db upgrade`")
            async with in_process_worker(runtime):
                yield
        finally:
            await runtime.close()

    return Litestar(
        route_handlers=CONTROLLERS,
        dependencies={"runtime": provide_runtime(runtime)},
        lifespan=[lifespan],
        plugins=[PROBLEM_DETAILS],
        debug=runtime.settings.debug,
        openapi_config=openapi_config(__version__),
    )
