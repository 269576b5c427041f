"""Cross-origin reads of public documents, so that verifiers running in a browser can fetch them.

Only the documents anyone may read without a token get ``Access-Control-Allow-Origin: *``:
DID documents, keys, status lists, credentials, achievements and issuer profiles. Nothing else
does (the API, OAuth, manage pages, evidence, GraphQL): a browser then refuses other sites'
scripts their answers. No credentials mode is allowed (``*`` forbids it), so a browser never
sends cookies or an Authorization header cross-origin here.

The preflight (an ``OPTIONS`` request with ``Access-Control-Request-Method``) is answered
before routing: https://fetch.spec.whatwg.org/#http-cors-protocol.
"""

import re
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

PUBLIC_DOCUMENTS = re.compile(
    r"^/(?:"
    r"issuers/[^/]+(?:/did\.json|/keys/[^/]+)?"
    r"|status/[^/]+"
    r"|credentials/[^/]+"
    r"|achievements/[^/]+"
    r")$"
)
"""Paths of the public documents; a credential's ``/manage/…`` page is not one of them."""

_READS = frozenset({"GET", "HEAD"})
_ALLOW_HEADERS = b"Accept, Accept-Language, If-None-Match"
_EXPOSE_HEADERS = b"ETag, Content-Language"
_MAX_AGE = b"86400"


class PublicCors:
    """An ASGI wrapper: CORS headers on public documents, preflights answered, nothing else."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")  # absent for websockets and the lifespan
        if method is None or not PUBLIC_DOCUMENTS.match(scope["path"]):
            await self._app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if method == "OPTIONS" and b"access-control-request-method" in headers:
            await _preflight(send, headers[b"access-control-request-method"])
            return
        if method not in _READS:
            await self._app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", _EXPOSE_HEADERS),
                ]
            await send(message)

        await self._app(scope, receive, send_with_cors)


async def _preflight(send: Send, method: bytes) -> None:
    allowed = method.decode("latin-1").upper() in _READS
    headers: list[tuple[bytes, bytes]] = [(b"content-length", b"0")]
    if allowed:
        headers += [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-methods", b"GET, HEAD"),
            (b"access-control-allow-headers", _ALLOW_HEADERS),
            (b"access-control-max-age", _MAX_AGE),
        ]
    start: Any = {"type": "http.response.start", "status": 204, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": b"", "more_body": False})
