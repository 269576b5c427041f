"""Every error as RFC 9457 problem details (``application/problem+json``)."""

import re

import msgspec
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from service.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
)

_AT = re.compile(r"at `\$\.?([^`]*)`")
_FIELD = re.compile(r"field `([^`]+)`")
PROBLEM_TYPE = "https://insigne.example/problems/"
_STATUS = {NotFound: 404, Conflict: 409, Forbidden: 403, Unauthorized: 401, InvalidInput: 422}
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
}


class FieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, as every error response carries them."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    errors: list[FieldError] = msgspec.field(default_factory=list)


_DESCRIPTIONS = {
    400: "Malformed request (e.g. JSON that does not parse)",
    401: "Missing, expired or invalid credentials or token",
    403: "The token lacks the scope this needs",
    404: "No such resource",
    409: "Conflicts with what is stored (idempotency key or externalId reused with another body)",
    422: "Invalid input; `errors` names each field",
    429: "Too many requests: wait for Retry-After seconds, or send a bearer token",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI descriptions of a route's error responses."""
    return {
        status: ResponseSpec(
            Problem,
            description=_DESCRIPTIONS[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }


def _problem(
    status: int,
    detail: str,
    extra: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemDetailsException:
    title = _TITLES.get(status, "Error")
    return ProblemDetailsException(
        status_code=status,
        title=title,
        detail=detail,
        type_=PROBLEM_TYPE + title.lower().replace(" ", "-"),
        extra=extra,
        headers=headers,
    )


def domain_problem(error: DomainError) -> ProblemDetailsException:
    status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
    extra: dict[str, object] | None = None
    headers = None
    if isinstance(error, InvalidInput):
        extra = {"errors": [{"field": p.field, "message": p.message} for p in error.problems]}
    if isinstance(error, Unauthorized):
        headers = {"WWW-Authenticate": 'Bearer realm="insigne"'}
        extra = {"error": "invalid_client" if "client" in str(error) else "invalid_token"}
    return _problem(status, str(error), extra, headers)


def validation_problem(error: ValidationException) -> ProblemDetailsException:
    """A body that does not fit the schema: 422 naming each field; unparsable JSON: 400."""
    fields = error.extra if isinstance(error.extra, list) else []
    errors = [
        {"field": _field_of(item), "message": str(item.get("message"))}
        for item in fields
        if isinstance(item, dict)
    ]
    if not errors or "malformed" in str(error.detail).lower() or "JSON is malformed" in str(errors):
        return _problem(400, str(error.detail))
    return _problem(422, "the request body does not match the schema", {"errors": errors})


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


def http_problem(error: HTTPException) -> ProblemDetailsException:
    return _problem(error.status_code, str(error.detail), None, error.headers)


PROBLEM_DETAILS = ProblemDetailsPlugin(
    ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        exception_to_problem_detail_map={
            DomainError: domain_problem,
            ValidationException: validation_problem,
            HTTPException: http_problem,
        },
    )
)


def problem_document(error: DomainError) -> dict[str, object]:
    """The problem details of `error` as a JSON object, for answers that hold several."""
    problem = domain_problem(error)
    document: dict[str, object] = {
        "status": problem.status_code,
        "type": problem.type_,
        "title": problem.title,
        "detail": problem.detail,
    }
    if isinstance(problem.extra, dict):
        document.update(problem.extra)
    return document
