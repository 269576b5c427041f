"""GraphQL errors with a code in ``extensions``; what has no code is masked.

Codes: ``UNAUTHENTICATED``, ``FORBIDDEN``, ``NOT_FOUND``, ``BAD_USER_INPUT``, ``RATE_LIMITED``,
``SERVICE_UNAVAILABLE`` (the database out of reach for a moment: retry after ``retryAfter``
seconds), ``QUERY_TOO_COMPLEX``, ``RESPONSE_TOO_LARGE``, ``TIMEOUT``,
``PERSISTED_QUERY_NOT_FOUND`` (trusted documents), ``GRAPHQL_VALIDATION_FAILED``; anything
unexpected becomes ``INTERNAL_SERVER_ERROR`` with a fixed message, and is logged.
"""

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from openbadges import LaneFull
from service.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
    Unavailable,
)
from service.throttling import lane_full

log = logging.getLogger(__name__)

_CODES: dict[type[DomainError], str] = {
    Unauthorized: "UNAUTHENTICATED",
    Forbidden: "FORBIDDEN",
    NotFound: "NOT_FOUND",
    InvalidInput: "BAD_USER_INPUT",
    Conflict: "BAD_USER_INPUT",
}


def coded(message: str, code: str, **extra: Any) -> GraphQLError:  # noqa: ANN401 - JSON
    """An error a client is meant to handle."""
    return GraphQLError(message, extensions={"code": code, **extra})


def bad_input(message: str) -> GraphQLError:
    return coded(message, "BAD_USER_INPUT")


def _shaped(error: GraphQLError) -> GraphQLError:
    if error.extensions and "code" in error.extensions:
        return error
    original = error.original_error
    if original is None:  # parse and validation errors: the client's document
        return _copy(error, error.message, "GRAPHQL_VALIDATION_FAILED")
    if isinstance(original, GraphQLError):
        return _shaped(original) if original.extensions else _copy(error, original.message, "")
    if isinstance(original, LaneFull):  # as a rate limit says it
        refusal = lane_full(original)
        shaped = _copy(error, str(refusal), "RATE_LIMITED")
        shaped.extensions = {**(shaped.extensions or {}), "retryAfter": refusal.retry_after}
        return shaped
    if isinstance(original, Unavailable):
        log.warning("database unavailable in a GraphQL resolver")
        shaped = _copy(error, str(original), "SERVICE_UNAVAILABLE")
        shaped.extensions = {**(shaped.extensions or {}), "retryAfter": original.retry_after}
        return shaped
    for kind, code in _CODES.items():
        if isinstance(original, kind):
            return _copy(error, str(original), code)
    log.error("unexpected error in a GraphQL resolver", exc_info=original)
    return _copy(error, "Unexpected error.", "INTERNAL_SERVER_ERROR")


def _copy(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": code or "GRAPHQL_VALIDATION_FAILED"},
    )


class ErrorCodes(SchemaExtension):
    """Give every error its code; mask the unexpected ones (after every other extension)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_shaped(error) for error in result.errors]
