"""Page cursors for newest-first lists: the last item's time and id, opaque to clients."""

import base64
import uuid
from datetime import datetime

from service.domain.errors import FieldProblem, InvalidInput
from service.domain.texts import Said


def encode_cursor(at: datetime, last: uuid.UUID) -> str:
    """Where the next page starts: after the item made at `at` with id `last`."""
    raw = f"{at.isoformat()}|{last}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def parse_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The time and id a cursor names; a cursor this API did not give is a 422 on it."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, last = raw.split("|")
        return datetime.fromisoformat(at), uuid.UUID(last)
    except ValueError:
        raise InvalidInput([FieldProblem("cursor", Said("cursor-unknown"))]) from None
