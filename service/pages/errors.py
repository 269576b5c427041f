"""Error pages for browsers: 404 and 410 in the pages' style, problem+json for machines."""

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.types import ExceptionHandlersMap

from service.api.errors import EXCEPTION_HANDLERS
from service.domain.badge_pages import Withdrawn
from service.domain.errors import DomainError, NotFound
from service.negotiation import wants_html
from service.pages.views import error_page


def _status(error: Exception) -> int:
    return 410 if isinstance(error, Withdrawn) else 404


def _page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    return error_page(request, _status(error))


def _html_or_problem(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    if wants_html(request) or not isinstance(error, NotFound):
        return error_page(request, _status(error))
    return EXCEPTION_HANDLERS[DomainError](request, error)


def _no_route(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    if wants_html(request):
        return error_page(request, 404)
    return EXCEPTION_HANDLERS[HTTPException](request, error)


PAGE_ERRORS: ExceptionHandlersMap = {NotFound: _page}
"""For routes that only serve pages."""
BROWSER_ERRORS: ExceptionHandlersMap = {NotFound: _html_or_problem}
"""For routes that serve documents to machines and pages to browsers."""
NO_ROUTE_PAGE: ExceptionHandlersMap = {NotFoundException: _no_route}
"""For the app: an address nothing answers is the 404 page for a browser, a problem otherwise."""
