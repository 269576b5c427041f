"""Time comes from an injected clock so tests and issuance agree on "now"."""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC, to the second (credentials carry seconds)."""
    return datetime.now(UTC).replace(microsecond=0)
