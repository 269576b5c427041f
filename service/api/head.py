"""``HEAD`` wherever ``GET`` works: link checkers and some crawlers ask with it.

Litestar answers ``HEAD`` only where a handler declares it, which would mean a second handler
per page and document; instead the request is run as a ``GET`` and only the body is dropped,
so the status and every header (``Content-Type``, ``Content-Length``, ``ETag``...) are the same.
"""

from collections.abc import Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Any], Callable[[Message], Any]], Any]


class HeadAsGet:
    """ASGI wrapper: a ``HEAD`` request is answered as its ``GET``, without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: Callable[[], Any], send: Callable[[Message], Any]
    ) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
