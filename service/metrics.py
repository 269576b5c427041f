"""Our Prometheus metrics, beside the requests and latency per route that Litestar's plugin counts.

prometheus-client keeps metrics in one registry per process, so they are made once, on first
use (not at import), and shared by every app the process builds (tests build many). With
several worker processes, set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess
mode, which Litestar's controller honours); the Dockerfile runs one worker per container.
"""

from dataclasses import dataclass
from functools import cache

from prometheus_client import Counter, Gauge

PREFIX = "insigne"


@dataclass(frozen=True)
class Metrics:
    credentials_issued: Counter
    verifications: Counter
    fetches: Counter
    database_connections: Gauge
    slow_steps_waiting: Gauge
    slow_steps_refused: Counter


@cache
def metrics() -> Metrics:
    """The process's metrics, registered in prometheus-client's default registry."""
    return Metrics(
        credentials_issued=Counter(
            f"{PREFIX}_credentials_issued_total", "Credentials signed and stored"
        ),
        verifications=Counter(
            f"{PREFIX}_verifications_total", "Verifications by verdict", ["verdict"]
        ),
        fetches=Counter(
            f"{PREFIX}_outbound_fetches_total",
            "Outbound document fetches by outcome (ok, cached, refused, unreachable, "
            "http_error, too_large, not_json, redirects)",
            ["outcome"],
        ),
        database_connections=Gauge(
            f"{PREFIX}_database_connections_in_use",
            "Database connections checked out of the pool",
            multiprocess_mode="livesum",
        ),
        slow_steps_waiting=Gauge(
            f"{PREFIX}_slow_steps_waiting",
            "Slow steps (other issuers' badges, pictures, PDFs, transcripts) waiting for a "
            "worker thread, by pool",
            ["pool"],
            multiprocess_mode="livesum",
        ),
        slow_steps_refused=Counter(
            f"{PREFIX}_slow_steps_refused_total",
            "Slow steps refused because their caller already had a full queue, by pool",
            ["pool"],
        ),
    )
