"""Deadlines for a request's head and body under uvicorn, which has none of its own.

uvicorn only times out idle keep-alive connections: a client that sends its headers or its
body a byte at a time holds a connection (and, for the body, a request task) for as long as
it likes. This protocol is uvicorn's httptools one plus two timers: the headers must be
complete within `headers_seconds` of the connection (or of the request's first byte on a
kept-alive connection), and the body within `body_seconds` of the headers. When one runs out
the client gets ``408 Request Timeout`` (if no response has begun) and the connection closes;
a request already running sees the client gone.
"""

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class DeadlineProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        headers_seconds: float,
        body_seconds: float,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._headers_seconds = headers_seconds
        self._body_seconds = body_seconds
        self._deadline: asyncio.TimerHandle | None = None
        self._awaiting_body = False  # which deadline runs: the head's or the body's

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self._headers_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a kept-alive connection's next request
            self._arm(self._headers_seconds)
        self._awaiting_body = False

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        self._arm(self._body_seconds)  # disarmed at once when there is no body
        self._awaiting_body = True

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if self._awaiting_body:  # the app may have answered without reading the body
            has_answered = cycle is not None and cycle.response_started
        else:  # the previous request's answer, if any, is complete
            has_answered = cycle is not None and not cycle.response_complete
        if not has_answered:
            self.transport.write(_TIMED_OUT)
        self.transport.close()
