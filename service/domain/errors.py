"""What domain services raise; the HTTP layer maps each to a problem-details status.

A message is a `Said`: a stable code and its parameters, worded in English and French by
`service.domain.texts`; ``str(error)`` is the English.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from service.domain.texts import Said


class DomainError(Exception):
    """Base of the errors below; the message is safe to show to API clients.

    `extra` members are added to the problem details (e.g. RFC 6749's ``error`` code).
    """

    def __init__(
        self, message: Said | str = "", *, extra: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(str(message))
        self.said = message
        self.extra = dict(extra or {})

    @property
    def message_code(self) -> str | None:
        """The message's stable code (problem details' ``code``), when it has one."""
        return self.said.code if isinstance(self.said, Said) else None


class NotFound(DomainError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class Conflict(DomainError):
    """The request clashes with what is stored, e.g. an idempotency key reused."""


class Archived(Conflict):
    """The achievement is archived: it takes no new completion and no new version."""


class Gone(DomainError):
    """The thing existed but is spent or expired for good (a used or expired wallet offer)."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Unauthorized(DomainError):
    """The caller could not be authenticated."""


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: a JSON pointer-like path and what is wrong."""

    field: str
    message: Said


class InvalidInput(DomainError):
    """The request is well-formed but its values break the rules; nothing was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


OAuthCode = Literal[
    "invalid_request", "invalid_client", "invalid_grant", "invalid_scope", "unsupported_grant_type"
]


class OAuthError(DomainError):
    """A token request refused as RFC 6749 §5.2 says: ``invalid_client`` is 401, others 400."""

    def __init__(self, code: OAuthCode, description: Said) -> None:
        english = str(description)
        super().__init__(description, extra={"error": code, "error_description": english})
        self.code = code


class TooManyAttempts(DomainError):
    """Refused before it is tried: the caller failed too often, or asks too often."""

    def __init__(self, message: Said, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """The database is out of reach for a moment (a restart, a failover, a drained pool).

    The same request may be sent again after `retry_after` seconds: a unit either committed
    or left nothing, and a completion sent again is recognised (its externalId).
    """

    def __init__(self, message: Said, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MalformedBody(DomainError):
    """A body or file that cannot be read as the JSON it should be (400)."""


class UnreachableDocument(DomainError):
    """A document a credential points at could not be fetched (safely)."""
