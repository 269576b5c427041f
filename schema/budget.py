"""The response-size budget: the bytes an answer may take, spent as its fields resolve.

Each field costs its response key, a fixed overhead and its resolved value's size (JSON size,
near enough: text by its UTF-8 bytes, a signed document by its stored bytes, a list by its text
items, anything else 8 bytes), and an error the answer will carry (raised by a resolver, or an
error found as a field's value) costs `ERROR_SIZE`. Past the
budget nothing more resolves, and the whole answer becomes one ``RESPONSE_TOO_LARGE`` error,
never a partial one.

The executor (`schema.executor`) owns one budget per operation: it counts the fields it
completes itself inline, through `cost`, and hands the budget to graphql-core as middleware
for the fields that keep their resolver, so every field is counted the same way.
"""

import datetime
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

import msgspec
from graphql import GraphQLError, GraphQLResolveInfo

from schema.errors import coded

FIELD_OVERHEAD = 8  # a key's quotes, colon, comma and braces, roughly
ERROR_SIZE = 400  # an error's message, path, locations and code, generously
_SIZED = (str, msgspec.Raw, dict, list, tuple)
# Tuples, not unions: ``str | dict`` in a call builds a new union object each time it runs.
_LISTS = (list, tuple)
_TEXT_OR_JSON = (str, dict)
# Types whose values `_size` counts as 8 bytes (more are added as they are met).
_EIGHT: set[type] = {int, float, bool, type(None), datetime.datetime, datetime.date}


def cost(key: str, value: object) -> int:
    """What a field answering `value` under `key` spends."""
    return len(key) + FIELD_OVERHEAD + size(value)


def size(value: object) -> int:
    """What a value spends: text by its UTF-8 bytes, anything not sized by content 8 bytes."""
    if type(value) is str:
        return len(value) if value.isascii() else len(value.encode())
    kind = type(value)
    if kind in _EIGHT:
        return 8
    if issubclass(kind, Exception):  # an error the answer will carry, raised at its field
        return ERROR_SIZE
    if not issubclass(kind, _SIZED):
        _EIGHT.add(kind)  # never sized by content: the next one is counted at once
        return 8
    return _size(value)


def _size(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, msgspec.Raw):  # a signed document, as stored: its exact bytes
        return len(value)
    if isinstance(value, dict):  # a JSON scalar (a signed document)
        return len(msgspec.json.encode(value))
    if isinstance(value, _LISTS):  # its objects' fields are counted as they resolve
        return sum(_size(item) if isinstance(item, _TEXT_OR_JSON) else 1 for item in value)
    return 8


def too_large(most: int) -> GraphQLError:
    return coded(
        f"the answer would be larger than {most} bytes: ask for fewer fields or pages",
        "RESPONSE_TOO_LARGE",
        maxBytes=most,
    )


class ResponseBudget:
    """One operation's budget; as graphql-core middleware, it spends each resolved field."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.spent = 0

    @property
    def exceeded(self) -> bool:
        return self.spent > self.most

    def resolve(
        self,
        _next: Callable[..., object],
        root: object,
        info: GraphQLResolveInfo[Any],
        *args: object,
        **kwargs: object,
    ) -> object:
        """Spend a resolved field's size; past the budget, resolve nothing more (no more work)."""
        if self.spent > self.most:
            # A new error each time: one raised again and again would keep every traceback.
            raise coded("the answer is over its size budget", "RESPONSE_TOO_LARGE")
        key = str(info.path.key)
        try:
            result = _next(root, info, *args, **kwargs)
        except Exception:
            self.spent += len(key) + FIELD_OVERHEAD + ERROR_SIZE  # the error the answer carries
            raise
        if isawaitable(result):
            return self._spent_when_ready(result, key)
        self.spent += cost(key, result)
        return result

    async def _spent_when_ready(self, result: Awaitable[Any], key: str) -> object:
        try:
            value = await result
        except Exception:
            self.spent += len(key) + FIELD_OVERHEAD + ERROR_SIZE
            raise
        self.spent += cost(key, value)
        return value
