"""Strict JSON request bodies: what a platform sends is refused clearly, never guessed at.

Litestar's own decoding coerces (a Unix number becomes a date, ``1`` a boolean) and keeps the
last of duplicate keys; a body is instead read here once, in this order: media type (415),
size (413, before parsing), then `service.domain.strict_json` (shared with the CLI): emptiness,
UTF-8, JSON syntax, duplicate keys, nesting depth (400), text that no database or signature can
hold (NUL, lone surrogates), then the schema with no coercion (422 naming each field).
"""

import json
import re
from typing import Any, TypeVar

from litestar import Request
from litestar.datastructures import State

from service.api.errors import SaidHTTPException
from service.domain import strict_json
from service.domain.errors import FieldProblem, InvalidInput, MalformedBody
from service.domain.storable import unstorable_paths
from service.domain.strict_json import BAD_TEXT
from service.domain.texts import Said

T = TypeVar("T")
# A handler's ``opt`` flag: it refuses such text itself, in its own error format (GraphQL).
CHECKS_ITS_OWN_INPUT = "checks_its_own_input"
_ESCAPES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
JSON_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json")


class BadBody(SaidHTTPException):
    """A body, or an address, that cannot be read as it should be (400)."""

    status_code = 400


class UnsupportedMediaType(SaidHTTPException):
    status_code = 415


def media_type(request: Request[Any, Any, State]) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_json(request: Request[Any, Any, State], kind: type[T]) -> T:
    """The request's JSON body as `kind`, checked as the module docstring says."""
    if media_type(request) not in JSON_TYPES:
        raise UnsupportedMediaType(Said("body-media-type", got=media_type(request) or "none"))
    return decode_strict(await request.body(), kind)


def decode_strict(body: bytes, kind: type[T]) -> T:
    """`service.domain.strict_json.decode_strict` at the door: what is not JSON is `BadBody`."""
    try:
        return strict_json.decode_strict(body, kind)
    except MalformedBody as error:
        raise BadBody(error.said) from None


async def refuse_unstorable_json(request: Request[Any, Any, State]) -> None:
    r"""Every JSON body, whoever decodes it (Litestar's ``data`` too): no NUL, no lone surrogate.

    Either can only arrive as a ``\u`` escape (raw, it is bad JSON or bad UTF-8), so bodies
    without one are not parsed twice.
    """
    if request.method not in {"POST", "PUT", "PATCH"} or media_type(request) not in JSON_TYPES:
        return
    if request.route_handler.opt.get(CHECKS_ITS_OWN_INPUT):
        return
    body = await request.body()  # kept by the request: the handler reads it again for free
    if not _ESCAPES.search(body):
        return
    try:
        tree = json.loads(body)
    except ValueError:
        return  # the handler's own decoding says what is wrong with it
    problems = [FieldProblem(path, BAD_TEXT) for path in unstorable_paths(tree)]
    if problems:
        raise InvalidInput(problems)
