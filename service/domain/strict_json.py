"""Strict JSON: what a platform or an operator sends is refused clearly, never guessed at.

One reading for REST bodies and the files the CLI reads: emptiness, UTF-8, JSON syntax,
duplicate keys, nesting depth, text that no database or signature can hold (NUL, lone
surrogates), then the schema with no coercion (`InvalidInput` naming each field). What is not
JSON at all is `MalformedBody`.
"""

import json
import re
from typing import Any, TypeVar

import msgspec

from service.domain.errors import FieldProblem, InvalidInput, MalformedBody
from service.domain.storable import is_unstorable
from service.domain.texts import Said

T = TypeVar("T")
MAX_DEPTH = 32  # OB 3.0 credentials nest about ten levels; far below what exhausts a parser
BAD_TEXT = Said("text-unstorable")
_WRONG_TYPE = re.compile(r"^expected (.+), got (.+)$")
# A NUL or a lone surrogate can only come as a \u escape (raw, it is bad JSON or bad UTF-8).
_ESCAPES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class _DuplicateKey(ValueError):
    pass


def decode_strict(body: bytes, kind: type[T]) -> T:
    """Decode `body` as `kind` with the rules of this module (no media-type check)."""
    if not body.strip():
        raise MalformedBody(Said("body-empty"))
    try:
        tree = json.loads(body, object_pairs_hook=_pairs, parse_constant=_constant)
    except UnicodeDecodeError:
        raise MalformedBody(Said("body-not-utf8")) from None
    except RecursionError:
        raise MalformedBody(Said("json-too-deep", depth=MAX_DEPTH)) from None
    except _DuplicateKey as error:
        raise MalformedBody(Said("json-duplicate-key", key=str(error))) from None
    except ValueError as error:  # json.JSONDecodeError included
        raise MalformedBody(Said("json-malformed", reason=_position(error))) from None
    # Without such an escape, only the depth needs walking.
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
    """`_text_problems`'s depth rule alone (no paths built)."""
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
    raise MalformedBody(Said("json-too-deep", depth=MAX_DEPTH))


def _text_problems(tree: Any) -> list[FieldProblem]:  # noqa: ANN401 - JSON
    """Depth over the limit, and strings no database or signature can hold, by field path."""
    problems: list[FieldProblem] = []
    stack: list[tuple[Any, str, int]] = [(tree, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedBody(Said("json-too-deep", depth=MAX_DEPTH))
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}" if path else k, depth + 1) for k, v in value.items())
            keys = [k for k in value if is_unstorable(k)]
            problems.extend(FieldProblem(path or "body", Said("key-unstorable")) for _ in keys)
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
        elif isinstance(value, str) and is_unstorable(value):
            problems.append(FieldProblem(path or "body", BAD_TEXT))
    return problems


def _field_problem(message: str) -> FieldProblem:
    """Msgspec says "Expected `bool`, got `int` - at `$.shareReflections`"."""
    text, _, where = message.partition(" - at `$")
    field = where.rstrip("`").lstrip(".") or "body"
    if text.startswith("Object missing required field"):
        name = text.split("`")[1]
        return FieldProblem(f"{field}.{name}" if field != "body" else name, Said("field-required"))
    if text.startswith("Object contains unknown field"):
        name = text.split("`")[1]
        return FieldProblem(f"{field}.{name}" if field != "body" else name, Said("field-unknown"))
    return FieldProblem(field, plain_message(text))


def plain_message(text: str) -> Said:
    """A decoder's message for a value (msgspec's, Litestar's) in plain words, by code if known."""
    plain = text.replace("`", "").lower()
    wrong_type = _WRONG_TYPE.match(plain)
    if wrong_type:
        return Said("field-wrong-type", expected=wrong_type[1], got=wrong_type[2])
    return Said("value-refused", reason=plain)
