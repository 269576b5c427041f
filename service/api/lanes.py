"""Every request's slow work takes the worker threads in turn with other callers' (`work_lane`).

The pools of threads for slow steps (`openbadges.FairThreads`: the library's canonicalisation,
pictures, transcripts, PDFs) hand a free thread to the waiting caller with the fewest steps
running. This names the caller of every request by its address, as the anonymous rate limit
counts it, so that a crawler drawing hundreds of link-preview cards does not make a visitor's
one card wait behind them all. A face that knows more (a verification or a transcript asked
with a token) names its caller by its API client instead, inside the request.
"""

from litestar.connection import ASGIConnection
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from openbadges import work_lane
from service.limits import TrustedProxies, caller_key
from service.throttling import connection_address


class CallerLanes(ASGIMiddleware):
    """Names each request's caller by its address for the slow threads' turns."""

    def __init__(self, trusted: TrustedProxies) -> None:
        self._trusted = trusted

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        address = connection_address(ASGIConnection(scope), self._trusted)
        with work_lane(caller_key(None, address)):
            await next_app(scope, receive, send)
