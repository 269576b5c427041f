"""``insigne serve``: the ASGI servers the app runs under, and how each is started.

uvicorn stays the default; it is given uvloop and httptools explicitly (C event loop and
HTTP parser: h11 and the stock loop cost several times the CPU per request). granian (a Rust
HTTP server) runs a process per worker on one port; `bench/wrk_load.py` measures both.
Neither rewrites the client address from proxy headers: ``INSIGNE_TRUSTED_PROXIES`` decides.
"""

import asyncio
import gc
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from litestar import Litestar

SERVERS = ("uvicorn", "granian")
ServerName = Literal["uvicorn", "granian"]
APP = "service.serving:served_app"
GC_THRESHOLD = 10_000  # allocations between young collections (CPython's default: 700)


HEADERS_SECONDS = 10.0
BODY_SECONDS = 60.0


@dataclass(frozen=True)
class ServeOptions:
    """Where to listen, how many processes to run, how long a client may take to send.

    `headers_seconds`: a request's head must arrive within it (both servers);
    `body_seconds`: its body within it after the head (uvicorn only; granian has no body timeout).
    """

    host: str
    port: int
    workers: int
    server: ServerName = "uvicorn"
    headers_seconds: float = HEADERS_SECONDS
    body_seconds: float = BODY_SECONDS


def served_app() -> "Litestar":
    """`create_app` as each server process runs it, with the garbage collector set for serving.

    Everything made at start-up (modules, routes, JSON-LD contexts, compiled term tables) is
    frozen out of the collector's scans, and young collections run less often: under load a
    seventh of a credential read's CPU went to collections rescanning those start-up objects.
    """
    from service.app import create_app  # here: the command line must not pay for the app

    app = create_app()
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, middle, old)
    return app


def serve(options: ServeOptions, log_config: dict[str, Any]) -> None:
    """Run the app under the chosen server until it is stopped."""
    if options.server == "granian":
        _granian(options, log_config)
    else:
        _uvicorn(options, log_config)


def _uvicorn(options: ServeOptions, log_config: dict[str, Any]) -> None:
    import uvicorn

    from service.slow_clients import DeadlineProtocol

    # httptools, with deadlines for the head and the body (uvicorn has neither)
    protocol = partial(
        DeadlineProtocol,
        headers_seconds=options.headers_seconds,
        body_seconds=options.body_seconds,
    )
    uvicorn.run(
        APP,
        factory=True,
        host=options.host,
        port=options.port,
        workers=options.workers,
        loop="uvloop",
        http=cast("type[asyncio.Protocol]", protocol),
        access_log=False,  # ours (service/logs.py) has the request id and no query values
        log_config=log_config,
        # INSIGNE_TRUSTED_PROXIES alone decides whom X-Forwarded-For is believed from
        # (service/limits.py); uvicorn's own handling would believe loopback peers first
        proxy_headers=False,
        forwarded_allow_ips="",
    )


def _granian(options: ServeOptions, log_config: dict[str, Any]) -> None:
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.server import Server

    Server(
        APP,
        address=options.host,
        port=options.port,
        interface=Interfaces.ASGI,
        workers=options.workers,
        loop=Loops.uvloop,
        factory=True,
        log_dictconfig=log_config,
        log_access=False,  # ours (service/logs.py), as with uvicorn
        http=HTTPModes.http1,  # its header timeout is an HTTP/1 setting
        http1_settings=HTTP1Settings(header_read_timeout=int(options.headers_seconds * 1000)),
    ).serve()
