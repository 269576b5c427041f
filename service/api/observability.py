"""``/metrics`` (Prometheus, through Litestar's own plugin) and the log of unexpected errors.

``/metrics`` is left out of the OpenAPI document: it is for the scraper, not for API clients,
and its families change with the libraries; expose it on the internal network only.
"""

import logging
import time
from collections.abc import Awaitable, Callable

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.plugins.prometheus import (
    PrometheusConfig,
    PrometheusController,
    PrometheusMiddleware,
)
from litestar.types import Message, Scope, Send

from openbadges import offload
from service.api.errors import is_client_gone
from service.domain.errors import DomainError, Unavailable
from service.logs import one_line
from service.metrics import PREFIX, metrics
from service.runtime import Runtime

log = logging.getLogger("service.errors")


class LeanPrometheusMiddleware(PrometheusMiddleware):
    """Litestar's middleware, less its ``functools.wraps`` of ``send`` on every request.

    Copying the wrapped callable's attributes cost about a tenth of a credential read's CPU.
    """

    def _get_wrapped_send(self, send: Send, request_span: dict[str, float]) -> Send:
        async def wrapped_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                request_span["status_code"] = message["status"]
            elif message["type"] == "http.response.body":
                end = time.perf_counter()
                request_span["duration"] = end - request_span["start_time"]
                request_span["end_time"] = end
            await send(message)

        return wrapped_send


def prometheus_config() -> PrometheusConfig:
    """Requests and latency per route template (ids do not multiply the series)."""
    return PrometheusConfig(
        middleware_class=LeanPrometheusMiddleware,
        app_name="insigne",
        prefix=f"{PREFIX}_http",
        group_path=True,
        exclude=["^/metrics$", "^/schema"],
    )


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False

    @get(operation_id="Metrics", include_in_schema=False)
    async def get(self, runtime: NamedDependency[Runtime]) -> Response[bytes]:
        """Prometheus metrics; connections in use and slow steps waiting are read now."""
        metrics().database_connections.set(runtime.database.checked_out())
        for pool in offload.pools():
            metrics().slow_steps_waiting.labels(pool.name).set(pool.waiting())
        return await PrometheusController.get.fn(self)  # type: ignore[no-any-return]


def error_logger(debug: bool) -> Callable[[Exception, Scope], Awaitable[None]]:
    """An ``after_exception`` hook: unexpected errors with their traceback (redacted).

    Expected ones (domain errors, 4xx) are logged only in debug mode, at DEBUG.
    """

    async def log_exception(error: Exception, scope: Scope) -> None:
        path = one_line(scope["path"])
        expected = (
            isinstance(error, (DomainError, offload.LaneFull))  # LaneFull: a flood's 429
            or (isinstance(error, HTTPException) and error.status_code < 500)
            or is_client_gone(error)
        )
        if isinstance(error, Unavailable):  # a restart or a drained pool: retried by the caller
            log.warning("database unavailable on %s", path)
        elif not expected:
            log.error("unexpected %s on %s", type(error).__name__, path, exc_info=error)
        elif debug:
            log.debug("%s on %s", type(error).__name__, path, exc_info=error)

    return log_exception
