"""Dates read back from a stored signed credential's JSON (pages, transcript lines).

The document was built and signed here, but it is read as plain JSON: a member that is
missing or not a date gives None, never an error on a page.
"""

from datetime import datetime
from typing import Any


def read_datetime(value: object) -> datetime | None:
    """An ISO 8601 date-time, or None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def awarded_at(document: dict[str, Any]) -> datetime | None:
    """When the credential says it was awarded: ``awardedDate``, else ``validFrom``."""
    return read_datetime(document.get("awardedDate") or document.get("validFrom"))
