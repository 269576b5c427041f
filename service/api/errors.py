"""Every error as RFC 9457 problem details (``application/problem+json``), in French or English.

One table maps domain errors to statuses; the framework's own errors (unknown route, wrong
method, body too large) and anything unexpected (500, logged, its internals never shown)
answer in the same form, in the language of ``Accept-Language``.
"""

import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import State
from litestar.exceptions import (
    HTTPException,
    InternalServerException,
    NotFoundException,
    ServiceUnavailableException,
    ValidationException,
)
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from openbadges import LaneFull
from service.api.problem_language import title
from service.domain.errors import (
    Archived,
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InvalidInput,
    MalformedBody,
    NotFound,
    OAuthError,
    TooManyAttempts,
    Unauthorized,
    Unavailable,
    UnreachableDocument,
)
from service.domain.messages import Language, pick_language
from service.domain.portfolios.badge_pages import Withdrawn
from service.domain.strict_json import plain_message
from service.domain.texts import Said, say
from service.negotiation import html_faces, wants_html
from service.throttling import lane_full

_AT = re.compile(r"at `\$\.?([^`]*)`")
_FIELD = re.compile(r"field `([^`]+)`")
PROBLEM_TYPE = "https://insigne.example/problems/"
_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    Forbidden: 403,
    Unauthorized: 401,
    InvalidInput: 422,
    MalformedBody: 400,
    OAuthError: 400,
    TooManyAttempts: 429,
    Unavailable: 503,
    UnreachableDocument: 422,
}
PROBLEM_JSON = "application/problem+json"
# Refusals a client handles on their own get a problem type of their own.
_TYPES: dict[type[DomainError], str] = {Archived: PROBLEM_TYPE + "achievement-archived"}


class FieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, as every error response carries them."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    code: str | None = None  # the detail's stable code, whatever the language
    errors: list[FieldError] = msgspec.field(default_factory=list)


_DESCRIPTIONS = {
    400: "Malformed request (JSON that does not parse, a missing or ill-typed parameter)",
    503: (
        "The database cannot be reached for a moment: send the same request again after"
        " Retry-After seconds (for /ready: unreachable, or not at the newest migration)"
    ),
    401: "Missing, expired or invalid credentials or token",
    403: "The token lacks the scope this needs",
    404: "No such resource",
    409: "Conflicts with what is stored (idempotency key or externalId reused with another body)",
    410: "Spent or expired for good (a used or expired wallet offer)",
    413: "The body is larger than the documented limit (refused before it is read)",
    415: "The body is not sent as application/json",
    422: "Invalid input; `errors` names each field",
    429: "Too many requests: wait for Retry-After seconds, or send a bearer token",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI descriptions of a route's error responses.

    400 is always among them: Litestar answers it for any missing or ill-typed parameter, as
    problem details like every error.
    """
    return {
        status: ResponseSpec(
            Problem,
            description=_DESCRIPTIONS[status],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for status in sorted({400, *statuses})
    }


def problem_content(
    status: int,
    detail: Said | str,
    language: Language = "en",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem details object (RFC 9457), in `language`; ``code`` names the message."""
    content: dict[str, Any] = {
        "type": PROBLEM_TYPE + title(status, "en").lower().replace(" ", "-"),
        "title": title(status, language),
        "status": status,
        "detail": say(detail, language),
        **({"code": detail.code} if isinstance(detail, Said) else {}),
        **(extra or {}),
    }
    if "errors" in content:
        content["errors"] = [
            {"field": e["field"], "message": say(e["message"], language)} for e in content["errors"]
        ]
    return content


def problem_response(
    request: Request[Any, Any, State],
    status: int,
    detail: "Said | str | DomainError",
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    """A problem details response in the request's language."""
    language = pick_language(request.headers.get("accept-language"))
    content = (
        _error_content(detail, status, language, extra)
        if isinstance(detail, DomainError)
        else problem_content(status, detail, language, extra)
    )
    return Response(
        content,
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={**(headers or {}), "Content-Language": language},
    )


def problem_document(error: DomainError, language: Language = "en") -> dict[str, Any]:
    """The problem details of `error` as a JSON object, for answers that hold several."""
    return _error_content(error, _status_of(error), language, _extra_of(error))


def _error_content(
    error: DomainError, status: int, language: Language, extra: dict[str, Any] | None
) -> dict[str, Any]:
    if not isinstance(error, InvalidInput):
        return problem_content(status, error.said, language, extra)
    detail = "; ".join(f"{p.field}: {say(p.message, language)}" for p in error.problems)
    return problem_content(status, detail, language, extra)


def _status_of(error: DomainError) -> int:
    return next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)


def _extra_of(error: DomainError) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidInput):
        extra = {"errors": [{"field": p.field, "message": p.message} for p in error.problems]}
    kind = next((url for known, url in _TYPES.items() if isinstance(error, known)), None)
    if kind is not None:
        extra["type"] = kind
    return {**extra, **error.extra}


def _domain(request: Request[Any, Any, State], error: DomainError) -> Response[dict[str, Any]]:
    status = _status_of(error)
    extra = _extra_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, Unauthorized):
        headers = {"WWW-Authenticate": 'Bearer realm="insigne"'}
        extra = {"error": "invalid_token", **extra}
    if isinstance(error, OAuthError) and error.code == "invalid_client":
        status, headers = 401, {"WWW-Authenticate": 'Basic realm="insigne"'}
    if isinstance(error, (TooManyAttempts, Unavailable)):
        headers = {"Retry-After": str(error.retry_after)}
    return problem_response(request, status, error, extra=extra, headers=headers)


def _validation(
    request: Request[Any, Any, State], error: ValidationException
) -> Response[dict[str, Any]]:
    """Parameters that do not fit (a path id that is no UUID, a query value): 400 or 422."""
    fields = error.extra if isinstance(error.extra, list) else []
    errors: list[dict[str, Any]] = [
        {"field": _field_of(item), "message": _plain(str(item.get("message")))}
        for item in fields
        if isinstance(item, dict)
    ]
    handler = request.scope.get("route_handler")
    if handler is not None and handler.opt.get("oauth"):  # RFC 6749 §5.2 for token requests
        description = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "malformed"
        extra = {"error": "invalid_request", "error_description": description}
        return problem_response(request, 400, Said("token-request-malformed"), extra=extra)
    if not errors:
        return problem_response(request, 400, Said("request-malformed"))
    return problem_response(request, 422, Said("fields-invalid"), extra={"errors": errors})


def _plain(message: str) -> Said:
    return plain_message(message.split(" - at ")[0])


def _field_of(item: dict[str, object]) -> str:
    """The field an error names: "… field `email` - at `$.learner`" is learner.email."""
    message, key = str(item.get("message", "")), str(item.get("key") or "")
    path = _AT.search(message)
    field = _FIELD.search(message)
    parts = [
        key if key != "data" else "",
        path.group(1) if path else "",
        field.group(1) if field else "",
    ]
    return ".".join(part for part in parts if part) or "body"


def is_client_gone(error: Exception) -> bool:
    """The caller hung up before its body arrived: not a fault of ours.

    Litestar's only sign of it is this exception and message.
    """
    return isinstance(error, InternalServerException) and error.detail == _CLIENT_GONE


def _http(request: Request[Any, Any, State], error: HTTPException) -> Response[dict[str, Any]]:
    detail = str(error.detail)
    if is_client_gone(error):  # nobody reads the answer; it is a 400 in logs and metrics
        return problem_response(request, 400, Said("connection-closed"))
    said: Said | str = _FRAMEWORK_WORDS.get(detail, detail)
    if isinstance(error, SaidHTTPException):
        said = error.said
    if error.status_code == 413:
        limit = getattr(request.scope.get("route_handler"), "request_max_body_size", None)
        size = f"{limit / 1024 / 1024:g} MiB" if isinstance(limit, int) else "the documented limit"
        said = Said("body-too-large", size=size)
    if error.status_code >= 500 and not isinstance(error, ServiceUnavailableException):
        return _unexpected(request, error)  # a 503 is said on purpose (/ready), with its cause
    return problem_response(request, error.status_code, said, headers=error.headers)


def _unexpected(request: Request[Any, Any, State], error: Exception) -> Response[dict[str, Any]]:
    """A 500 that shows nothing of its cause (the after-exception hook logs it, redacted)."""
    del error
    return problem_response(request, HTTP_500_INTERNAL_SERVER_ERROR, Said("internal-error"))


_CLIENT_GONE = "client disconnected prematurely"
# Litestar's own details, said by code.
_FRAMEWORK_WORDS = {
    "Not Found": Said("http-not-found"),
    "Method Not Allowed": Said("http-method-not-allowed"),
}


class SaidHTTPException(HTTPException):
    """An HTTP error of ours raised outside the domain (middleware, body reading), by code."""

    def __init__(self, said: Said | str) -> None:
        super().__init__(detail=str(said))
        self.said = said


def _lane_full(request: Request[Any, Any, State], error: LaneFull) -> Response[dict[str, Any]]:
    """A caller with its queue for the worker threads full: 429, as a rate limit says it."""
    return _domain(request, lane_full(error))


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    LaneFull: _lane_full,
    DomainError: _domain,
    ValidationException: _validation,
    HTTPException: _http,
    Exception: _unexpected,
}


def _html_or_problem(request: Request[Any, Any, State], error: NotFound) -> Response[Any]:
    if wants_html(request):
        return html_faces(request).error(request, 410 if isinstance(error, Withdrawn) else 404)
    return _domain(request, error)


def _no_route(request: Request[Any, Any, State], error: HTTPException) -> Response[Any]:
    if wants_html(request):
        return html_faces(request).error(request, 404)
    return _http(request, error)


BROWSER_ERRORS: ExceptionHandlersMap = {NotFound: _html_or_problem}
"""For routes that serve documents to machines and pages to browsers."""
NO_ROUTE_PAGE: ExceptionHandlersMap = {NotFoundException: _no_route}
"""For the app: an address nothing answers is the 404 page for a browser, a problem otherwise."""
