"""Addresses that no route can hold: a NUL or bytes that are not UTF-8, in the path or query.

Refused before routing (400 problem), so no handler, query or log line ever sees them: a NUL
is not storable in PostgreSQL text and not printable in a log.
"""

from urllib.parse import unquote_to_bytes

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from service.api.bodies import BadBody
from service.domain.texts import Said


def is_readable(raw: bytes) -> bool:
    """Percent-decoded, `raw` is UTF-8 with no NUL (``+`` and ``%2B`` alike)."""
    decoded = unquote_to_bytes(raw)
    if b"\x00" in decoded:
        return False
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class RefuseUnreadableAddresses(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if not is_readable(raw_path) or not is_readable(scope.get("query_string", b"")):
            raise BadBody(Said("address-unreadable"))
        await next_app(scope, receive, send)
