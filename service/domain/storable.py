r"""Text that no database column or signature can hold, whatever door it came in by.

PostgreSQL's text refuses a NUL; UTF-8 (hence every column, JSON document and signature) has
no encoding for a lone surrogate, which JSON's ``\udxxx`` escapes and GraphQL's can spell.
"""

from collections.abc import Iterator
from typing import Any


def is_unstorable(text: str) -> bool:
    """A NUL, or a lone surrogate."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unstorable_paths(value: Any, path: str = "") -> Iterator[str]:  # noqa: ANN401 - JSON
    """Where in a JSON-like value (keys included) unstorable text sits."""
    if isinstance(value, str):
        if is_unstorable(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and is_unstorable(key):
                yield path or "body"
            yield from unstorable_paths(item, here)
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            yield from unstorable_paths(item, f"{path}[{position}]")
