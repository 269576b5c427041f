"""Strict JSON request bodies: what a platform sends is refused clearly, never guessed at.

Litestar's own decoding coerces (a Unix number becomes a date, ``1`` a boolean) and keeps the
last of duplicate keys; a body is instead read here once, in this order: media type (415),
size (413, before parsing), emptiness, UTF-8, JSON syntax, duplicate keys, nesting depth, text
that no database or signature can hold (NUL, lone surrogates), then the schema with no
coercion (422 naming each field).
"""

import json
import re
from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import HTTPException

from service.domain.errors import FieldProblem, InvalidInput
from service.domain.storable import is_unstorable, unstorable_paths

T = TypeVar("T")
MAX_DEPTH = 32  # OB 3.0 credentials nest about ten levels; far below what exhausts a parser
_BAD_TEXT = "contains a NUL character or a lone surrogate"
# A handler's ``opt`` flag: it refuses such text itself, in its own error format (GraphQL).
CHECKS_ITS_OWN_INPUT = "checks_its_own_input"
_ESCAPES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
JSON_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json")


class BadBody(HTTPException):
    """A body that cannot be read as the JSON it should be (400)."""

    status_code = 400


class UnsupportedMediaType(HTTPException):
    status_code = 415


class _DuplicateKey(ValueError):
    pass


def media_type(request: Request[Any, Any, State]) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_json(request: Request[Any, Any, State], kind: type[T]) -> T:
    """The request's JSON body as `kind`, checked as the module docstring says."""
    if media_type(request) not in JSON_TYPES:
        raise UnsupportedMediaType(
            detail=f"send the body as application/json (got {media_type(request) or 'none'})"
        )
    return decode_strict(await request.body(), kind)


def decode_strict(body: bytes, kind: type[T]) -> T:
    """Decode `body` as `kind` with the rules of this module (no media-type check)."""
    if not body.strip():
        raise BadBody(detail="the request body is empty")
    try:
        tree = json.loads(body, object_pairs_hook=_pairs, parse_constant=_constant)
    except UnicodeDecodeError:
        raise BadBody(detail="the request body is not UTF-8") from None
    except RecursionError:
        raise BadBody(detail=f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except _DuplicateKey as error:
        raise BadBody(detail=f"the JSON repeats the key {error}") from None
    except ValueError as error:  # json.JSONDecodeError included
        raise BadBody(detail=f"malformed JSON: {_position(error)}") from None
    # A NUL or a lone surrogate can only come as a \u escape (raw, it is bad JSON or bad
    # UTF-8): without one, only the depth needs walking.
    problems = _text_problems(tree) if _ESCAPES.search(body) else _deeper_than_allowed(tree)
    if problems:
        raise InvalidInput(problems)
    try:
        return msgspec.convert(tree, kind, strict=True)
    except msgspec.ValidationError as error:
        raise InvalidInput([_field_problem(str(error))]) from None


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(repr(key))
        found[key] = value
    return found


def _constant(name: str) -> Any:  # noqa: ANN401 - never returns
    raise ValueError(f"{name} is not JSON")


def _position(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno}, column {error.colno}"
    return str(error)


def _deeper_than_allowed(tree: Any) -> list[FieldProblem]:  # noqa: ANN401 - JSON
    """`_text_problems`'s depth rule alone (no paths built): raises BadBody past MAX_DEPTH."""
    level: list[Any] = [tree]
    for _ in range(MAX_DEPTH + 1):
        level = [
            child
            for value in level
            if isinstance(value, dict | list)
            for child in (value.values() if isinstance(value, dict) else value)
        ]
        if not level:
            return []
    raise BadBody(detail=f"the JSON is nested deeper than {MAX_DEPTH} levels")


def _text_problems(tree: Any) -> list[FieldProblem]:  # noqa: ANN401 - JSON
    """Depth over the limit, and strings no database or signature can hold, by field path."""
    problems: list[FieldProblem] = []
    stack: list[tuple[Any, str, int]] = [(tree, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadBody(detail=f"the JSON is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}" if path else k, depth + 1) for k, v in value.items())
            keys = [k for k in value if is_unstorable(k)]
            problems.extend(
                FieldProblem(path or "body", "a key holds a NUL or lone surrogate") for _ in keys
            )
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
        elif isinstance(value, str) and is_unstorable(value):
            problems.append(FieldProblem(path or "body", _BAD_TEXT))
    return problems


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
    problems = [FieldProblem(path, _BAD_TEXT) for path in unstorable_paths(tree)]
    if problems:
        raise InvalidInput(problems)


def _field_problem(message: str) -> FieldProblem:
    """Msgspec says "Expected `bool`, got `int` - at `$.shareReflections`"."""
    text, _, where = message.partition(" - at `$")
    field = where.rstrip("`").lstrip(".") or "body"
    if text.startswith("Object missing required field"):
        name = text.split("`")[1]
        return FieldProblem(f"{field}.{name}" if field != "body" else name, "is required")
    if text.startswith("Object contains unknown field"):
        name = text.split("`")[1]
        return FieldProblem(f"{field}.{name}" if field != "body" else name, "is not a known field")
    return FieldProblem(field, text.replace("`", "").lower())
