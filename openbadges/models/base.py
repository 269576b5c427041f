"""`@context` values, `type` helpers and date-time rules shared by the models."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from openbadges.errors import InvalidDocument

OB_CONTEXT: Final = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
"""The two contexts every Open Badges 3.0 credential starts with, in this order.

https://www.imsglobal.org/spec/ob/v3p0/#json-ld
"""

OB_EXTENSIONS_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
"""The context defining the 1EdTech extension types in `EXTENSION_TYPES`."""

EXTENSION_TYPES: Final = frozenset(
    {"1EdTechJsonSchemaValidator2019", "1EdTechRevocationList", "1EdTechCredentialRefresh"}
)
"""The `type` values defined by `OB_EXTENSIONS_CONTEXT` (and nowhere else)."""

# OB 3.0 derived types: DateTimeZ is a DateTime "with the trailing timezone specifier included";
# DateTime may omit it. Both follow xsd:dateTime, which allows any number of fraction digits.
_DATE_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?"
_DATETIME_Z = re.compile(_DATE_TIME + r"(?:Z|[+-]\d{2}:\d{2})", re.ASCII)
_DATETIME = re.compile(_DATE_TIME + r"(?:Z|[+-]\d{2}:\d{2})?", re.ASCII)
_FRACTION = re.compile(r"(\.\d{6})\d+", re.ASCII)


class FieldError(InvalidDocument, ValueError):
    """A model field breaks a rule of the data model.

    It is also a `ValueError` so that msgspec, when it raises this from ``__post_init__`` while
    decoding, wraps it in a `msgspec.ValidationError` that names the path of the bad object.
    """


def default_types(*names: str) -> Callable[[], tuple[str, ...]]:
    """Return a default factory for a `type` array that is always serialized.

    `omit_defaults` leaves out a member equal to a plain default, but msgspec cannot compare a
    value with what an arbitrary factory would produce, so a factory default is always emitted.
    """

    def make() -> tuple[str, ...]:
        return names

    return make


def require_type(types: tuple[str, ...], *accepted: str) -> None:
    """Raise `FieldError` unless `types` holds one of `accepted` (the "contains" constraint)."""
    if not any(name in types for name in accepted):
        raise FieldError(f"type {list(types)} must include {' or '.join(map(repr, accepted))}")


def check_datetime_z(name: str, value: str | None) -> None:
    """Raise `FieldError` unless `value` is None or a DateTimeZ (a date-time with its zone).

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.datetimez.class
    """
    if value is not None:
        _parse(name, value, _DATETIME_Z)


def check_datetime(name: str, value: str | None) -> None:
    """Raise `FieldError` unless `value` is None or an ISO 8601 DateTime (zone optional)."""
    if value is not None:
        _parse(name, value, _DATETIME)


def check_validity_period(
    valid_from: str, valid_until: str | None, awarded_date: str | None
) -> None:
    """Raise `FieldError` unless the dates are DateTimeZ and validFrom is not after validUntil.

    https://www.w3.org/TR/vc-data-model-2.0/#validity-period
    """
    start = _parse("validFrom", valid_from, _DATETIME_Z)
    check_datetime_z("awardedDate", awarded_date)
    if valid_until is not None and _parse("validUntil", valid_until, _DATETIME_Z) < start:
        raise FieldError(f"validUntil {valid_until!r} is before validFrom {valid_from!r}")


def _parse(name: str, value: str, pattern: re.Pattern[str]) -> datetime:
    if pattern.fullmatch(value) is None:
        raise FieldError(f"{name} {value!r} is not a date-time of the form 2026-11-21T16:42:00Z")
    try:
        # Python keeps microseconds only; xsd:dateTime allows more fraction digits.
        return datetime.fromisoformat(_FRACTION.sub(r"\1", value))
    except ValueError as exc:
        raise FieldError(f"{name} {value!r} is not a valid date-time: {exc}") from exc


def format_datetime(dt: datetime) -> str:
    """Format an aware datetime as a DateTimeZ in UTC, to the second: ``2026-11-21T16:42:00Z``.

    Args:
        dt: An aware datetime, in any zone.

    Returns:
        The instant in UTC, microseconds dropped, with a ``Z`` suffix.

    Raises:
        ValueError: `dt` is naive, so the instant it names is unknown.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.datetimez.class
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("format_datetime needs an aware datetime (with a tzinfo)")
    return dt.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_datetime(value: str) -> datetime:
    """Parse a DateTimeZ string into an aware datetime.

    Args:
        value: A date-time with a zone, such as ``2026-11-21T16:42:00Z`` or
            ``2022-11-10T07:38:00-08:00``.

    Returns:
        The aware datetime (fraction digits past microseconds are dropped).

    Raises:
        InvalidDocument: `value` is not a DateTimeZ.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.datetimez.class
    """
    return _parse("date-time", value, _DATETIME_Z)
