"""Content negotiation for URLs that answer machines and people alike (every face uses it).

A badge, an achievement or an issuer has one URL: machines get the JSON-LD document, browsers
and link-preview crawlers the page. REST serves those URLs without importing the pages: the
app puts the pages' `HtmlFaces` in its state (`HTML_FACES`) and `html_faces` finds them.
"""

import uuid
from typing import Any, Protocol, cast

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import State

from service.crawlers import is_preview_crawler
from service.runtime import Runtime

AnyRequest = Request[object, object, State]
HTML_FACES = "html_faces"


class HtmlFaces(Protocol):
    """The pages of the negotiated URLs, and the error page a browser gets there."""

    async def credential(
        self, request: AnyRequest, runtime: Runtime, credential_id: uuid.UUID
    ) -> Response[Any]: ...

    async def achievement(
        self, request: AnyRequest, runtime: Runtime, slug: str
    ) -> Response[Any]: ...

    async def issuer(self, request: AnyRequest, runtime: Runtime, slug: str) -> Response[Any]: ...

    def error(self, request: AnyRequest, status_code: int) -> Response[Any]: ...


def html_faces(connection: ASGIConnection[Any, Any, Any, Any]) -> HtmlFaces:
    """The pages the app was built with (`service.app` puts them in its state)."""
    return cast("HtmlFaces", connection.app.state[HTML_FACES])


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
