"""JSON value aliases and the one JSON encoding the library emits."""

from typing import Any

import msgspec

__all__ = ["JSONObject", "dumps", "loads"]

JSONObject = dict[str, Any]
"""A parsed JSON object; credentials stay in this form so unknown extension fields survive."""

_encoder = msgspec.json.Encoder()


def dumps(value: object) -> bytes:
    r"""Encode `value` as compact UTF-8 JSON (no ``\\u`` escapes for non-ASCII text)."""
    return _encoder.encode(value)


def loads(data: bytes | str) -> Any:  # noqa: ANN401 - JSON is untyped until checked
    """Decode JSON text; raises `msgspec.DecodeError` on malformed input."""
    return msgspec.json.decode(data)
