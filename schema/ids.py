"""Relay global ids (``base64("Type:uuid")``) and connection cursors."""

import base64
import binascii
import uuid

from schema.errors import bad_input


def global_id(kind: str, key: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def parse_global_id(value: str, *kinds: str) -> tuple[str, uuid.UUID]:
    """The type and key of a global id; BAD_USER_INPUT when it is not one of `kinds`."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        kind, _, key = text.partition(":")
        if kind in kinds:
            return kind, uuid.UUID(key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise bad_input(f"not a global id of a {' or '.join(kinds)}: {value[:60]!r}")


def cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"cursor:{position}".encode()).decode().rstrip("=")


def parse_cursor(value: str) -> int:
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        name, _, position = text.partition(":")
        if name == "cursor" and position.isdigit():
            return int(position)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise bad_input(f"not a cursor: {value[:60]!r}")
