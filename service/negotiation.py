"""Content negotiation for URLs that answer machines and people alike (every face uses it).

A badge, an achievement or an issuer has one URL: machines get the JSON-LD document, browsers
and link-preview crawlers the page.
"""

from typing import Any

from litestar import Request, Response
from litestar.datastructures import State

from service.crawlers import is_preview_crawler

AnyRequest = Request[object, object, State]


_DOCUMENTS = ["application/vc+ld+json", "application/ld+json", "application/json"]


def wants_html(request: AnyRequest) -> bool:
    """A browser or a link-preview crawler; ``*/*`` or no ``Accept`` from anyone else is a machine.

    A browser prefers ``text/html`` over every JSON type; a known crawler (`crawlers`) gets the
    page unless it names a JSON type above ``text/html``.
    """
    if is_preview_crawler(request.headers.get("user-agent")):
        if "accept" not in request.headers:
            return True
        return request.accept.best_match(["text/html", *_DOCUMENTS]) in ("text/html", None)
    if "accept" not in request.headers:
        return False
    return request.accept.best_match([*_DOCUMENTS, "text/html"]) == "text/html"


async def vary(response: Response[Any]) -> Response[Any]:
    """For caches: a negotiated URL's answer depends on ``Accept`` and on the User-Agent."""
    response.headers["Vary"] = "Accept, User-Agent"
    return response
