"""The Litestar application, built by `create_app` from settings: nothing at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from schema import GRAPHIQL_ROUTES, graphql_controller
from schema import SDL_PATH as GRAPHQL_SDL_PATH
from schema import sdl as graphql_sdl
from service.api.achievement_admin import AchievementAdminController
from service.api.audit import AuditController
from service.api.auth import TokenController
from service.api.batch import BatchController
from service.api.bodies import refuse_unstorable_json
from service.api.clients import ClientController
from service.api.completions import CompletionController
from service.api.cors import PublicCors
from service.api.credentials import (
    CredentialApiController,
    EvidenceController,
    PublicCredentialController,
)
from service.api.dependencies import optional_principal, provide_runtime
from service.api.errors import EXCEPTION_HANDLERS, NO_ROUTE_PAGE
from service.api.head import HeadAsGet
from service.api.health import HealthController
from service.api.images import ImageController
from service.api.input_guard import RefuseUnreadableAddresses
from service.api.issuer_admin import IssuerAdminController
from service.api.issuers import IssuerDocumentController
from service.api.keys import IssuerKeyController
from service.api.lanes import CallerLanes
from service.api.lifecycle import CredentialStatusController
from service.api.observability import MetricsController, error_logger, prometheus_config
from service.api.openapi import openapi_config
from service.api.registry import CredentialRegistryController
from service.api.security import document_security
from service.api.tracks import TrackController
from service.api.transcripts import LearnerTranscriptController, PublicTranscriptController
from service.api.verifications import VerificationController
from service.api.wallet import WALLET_ROUTES
from service.api.webhooks import WebhookController
from service.api.xapi import XapiStatementController, xapi_about
from service.api.xapi_admin import XapiLearnerController, XapiMappingController
from service.db.engine import Database
from service.domain.clock import Clock, utc_now
from service.logs import RequestLog, install_safety_net
from service.negotiation import HTML_FACES
from service.pages.controllers import PAGE_ROUTES
from service.pages.faces import PageFaces
from service.pages.transcripts import EarnerTranscriptController
from service.pages.views import template_config
from service.pipelines.webhook_worker import in_process_worker
from service.runtime import Runtime
from service.settings import Settings

__version__ = "0.1.0"
__all__ = ["GRAPHQL_SDL_PATH", "create_app", "graphql_sdl"]

CONTROLLERS = [
    HealthController,
    TokenController,
    AchievementAdminController,  # the public catalogue's routes too
    CompletionController,
    CredentialApiController,
    PublicCredentialController,
    EvidenceController,
    IssuerDocumentController,
    VerificationController,
    MetricsController,
    *PAGE_ROUTES,
    CredentialStatusController,
    WebhookController,
    BatchController,
    CredentialRegistryController,
    IssuerKeyController,
    TrackController,
    AuditController,
    IssuerAdminController,
    ClientController,
    ImageController,
    XapiStatementController,
    xapi_about,
    XapiMappingController,
    XapiLearnerController,
    *WALLET_ROUTES,
    LearnerTranscriptController,
    PublicTranscriptController,
    EarnerTranscriptController,
]


class UnmigratedDatabase(RuntimeError):
    """The database schema is not at the newest migration."""


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock = utc_now,
    runtime: Runtime | None = None,
) -> Litestar:
    """Build the app; `database` lets tests share their connection, `clock` freeze time.

    `runtime`: one already built (the tests build one per database for their whole session);
    `settings`, `database` and `clock` are then its own.
    """
    install_safety_net()
    if runtime is None:
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

    app = Litestar(
        route_handlers=[
            *CONTROLLERS,
            graphql_controller(runtime.settings.graphql, Provide(optional_principal)),
            *(GRAPHIQL_ROUTES if runtime.settings.graphql.ide else []),
        ],
        dependencies={"runtime": provide_runtime(runtime)},
        lifespan=[lifespan],
        exception_handlers={**EXCEPTION_HANDLERS, **NO_ROUTE_PAGE},
        middleware=[
            RefuseUnreadableAddresses(),
            CallerLanes(runtime.trusted_proxies),
            prometheus_config().middleware,
        ],
        before_request=refuse_unstorable_json,
        after_exception=[error_logger(runtime.settings.debug)],
        logging_config=None,  # the process's logging is service/logs.py's (the CLI applies it)
        debug=runtime.settings.debug,
        openapi_config=openapi_config(__version__),
        template_config=template_config(),
        state=State({HTML_FACES: PageFaces()}),
    )
    document_security(app)
    # Outside the router and its exception handling, so 404s and 405s get an id and a line;
    # HEAD inside it, so the line says HEAD. CORS on public documents wraps the router too:
    # preflights need no route of their own, and a HEAD gets the headers its GET gets.
    public = PublicCors(cast("Any", app.asgi_handler))
    app.asgi_handler = cast("Any", RequestLog(HeadAsGet(cast("Any", public))))
    return app
