"""What domain services raise; the HTTP layer maps each to a problem-details status."""

from dataclasses import dataclass


class DomainError(Exception):
    """Base of the errors below; the message is safe to show to API clients."""


class NotFound(DomainError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class Conflict(DomainError):
    """The request clashes with what is stored, e.g. an idempotency key reused."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Unauthorized(DomainError):
    """The caller could not be authenticated."""


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: a JSON pointer-like path and what is wrong."""

    field: str
    message: str


class InvalidInput(DomainError):
    """The request is well-formed but its values break the rules; nothing was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class UnreachableDocument(DomainError):
    """A document a credential points at could not be fetched (safely)."""
