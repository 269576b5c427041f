"""Error pages for routes that only serve pages: 404 and 410 in the pages' style."""

from typing import Any

from litestar import Request, Response
from litestar.types import ExceptionHandlersMap

from service.domain.errors import NotFound
from service.domain.portfolios.badge_pages import Withdrawn
from service.pages.views import error_page


def _page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    return error_page(request, 410 if isinstance(error, Withdrawn) else 404)


PAGE_ERRORS: ExceptionHandlersMap = {NotFound: _page}
"""For routes that only serve pages."""
