"""What a transcript says, read back from the credentials it holds (never from the database).

The attestation and the verification report both read the signed record: each held badge's
training, date, hours (``creditsEarned``, docs/hours.md) and issuer, and the total, which is
always recomputed from the held badges rather than taken from the record's own words.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.domain.credentials.hours import OBLIGATION_HOURS, total_hours
from service.domain.credentials.signed_fields import awarded_at


@dataclass(frozen=True)
class TranscriptLine:
    credential_id: str
    name: str
    awarded_at: datetime | None
    hours: float | None
    issuer: str


@dataclass(frozen=True)
class TranscriptSummary:
    lines: tuple[TranscriptLine, ...]

    @property
    def total_hours(self) -> float:
        return total_hours([line.hours for line in self.lines if line.hours is not None])

    @property
    def obligation_hours(self) -> float:
        return OBLIGATION_HOURS

    @property
    def is_obligation_met(self) -> bool:
        return self.total_hours >= OBLIGATION_HOURS


def hours_of(credential: dict[str, Any]) -> float | None:
    """The hours a badge states: its subject's ``creditsEarned`` (one credit is one hour)."""
    subject = credential.get("credentialSubject")
    value = subject.get("creditsEarned") if isinstance(subject, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def held_credentials(record: dict[str, Any]) -> list[dict[str, Any]]:
    subject = record.get("credentialSubject")
    held = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    return [item for item in held if isinstance(item, dict)] if isinstance(held, list) else []


def summarise(credentials: Iterable[dict[str, Any]]) -> TranscriptSummary:
    """The lines of held badges, oldest first."""
    lines = [_line(credential) for credential in credentials]
    return TranscriptSummary(
        tuple(sorted(lines, key=lambda line: (line.awarded_at is None, line.awarded_at)))
    )


def _line(credential: dict[str, Any]) -> TranscriptLine:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    issuer = credential.get("issuer")
    name = credential.get("name") or (
        achievement.get("name") if isinstance(achievement, dict) else None
    )
    return TranscriptLine(
        credential_id=str(credential.get("id") or ""),
        name=str(name or ""),
        awarded_at=awarded_at(credential),
        hours=hours_of(credential),
        issuer=str(issuer.get("name") or issuer.get("id") or "")
        if isinstance(issuer, dict)
        else str(issuer or ""),
    )
