"""What a portfolio says about its earner: filtered credentials, levels reached, competencies.

Pure functions over what `PortfolioService` loaded: no I/O, so a portfolio's filters and
summaries cost no statement of their own.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from service.domain.catalogue.achievements import Achievement, Alignment
from service.domain.portfolios.portfolios import PortfolioCredential

_COUNTED = frozenset({"active", "suspended"})  # a revoked badge reaches no level


@dataclass(frozen=True)
class CredentialFilter:
    issuer_id: uuid.UUID | None = None
    achievement_id: uuid.UUID | None = None
    track: str | None = None
    status: str | None = None
    awarded_after: datetime | None = None
    awarded_before: datetime | None = None


@dataclass(frozen=True)
class LevelReached:
    """The highest level an earner reached in a track, and the credential that shows it."""

    track: str
    level: int
    level_name: str
    achievement_id: uuid.UUID
    credential_id: uuid.UUID


@dataclass(frozen=True)
class CoveredAlignment:
    """A competency covered by the earner's badges, once, with the credentials covering it."""

    alignment: Alignment
    credential_ids: tuple[uuid.UUID, ...]


def select_credentials(
    credentials: Sequence[PortfolioCredential],
    where: CredentialFilter,
    achievements: Mapping[uuid.UUID, Achievement],
) -> list[PortfolioCredential]:
    """The credentials that match every criterion given (awarded dates are exclusive bounds)."""
    return [c for c in credentials if _matches(c, where, achievements.get(c.achievement_id))]


def _matches(
    credential: PortfolioCredential, where: CredentialFilter, achievement: Achievement | None
) -> bool:
    checks = (
        where.issuer_id is None or credential.issuer_id == where.issuer_id,
        where.achievement_id is None or credential.achievement_id == where.achievement_id,
        where.track is None or (achievement is not None and achievement.track == where.track),
        where.status is None or credential.status == where.status,
        where.awarded_after is None or credential.awarded_at > where.awarded_after,
        where.awarded_before is None or credential.awarded_at < where.awarded_before,
    )
    return all(checks)


def highest_levels(
    credentials: Sequence[PortfolioCredential], achievements: Mapping[uuid.UUID, Achievement]
) -> list[LevelReached]:
    """The highest level reached in each track (revoked badges left out), by track.

    A track is its issuer's: two issuers' tracks of the same name are reached separately.
    """
    best: dict[tuple[str, uuid.UUID], LevelReached] = {}
    for credential in credentials:
        achievement = achievements.get(credential.achievement_id)
        if achievement is None or credential.status not in _COUNTED:
            continue
        key = (achievement.track, achievement.issuer_id)
        current = best.get(key)
        if current is None or achievement.level > current.level:
            best[key] = LevelReached(
                achievement.track,
                achievement.level,
                achievement.level_name,
                achievement.id,
                credential.id,
            )
    return [best[key] for key in sorted(best)]


def covered_alignments(
    credentials: Sequence[PortfolioCredential], achievements: Mapping[uuid.UUID, Achievement]
) -> list[CoveredAlignment]:
    """Each competency once (by framework and code), in the order first met."""
    covering: dict[tuple[str, str], tuple[Alignment, list[uuid.UUID]]] = {}
    for credential in credentials:
        achievement = achievements.get(credential.achievement_id)
        if achievement is None or credential.status not in _COUNTED:
            continue
        for alignment in achievement.alignments:
            key = (alignment.framework, alignment.code)
            _, ids = covering.setdefault(key, (alignment, []))
            ids.append(credential.id)
    return [CoveredAlignment(alignment, tuple(ids)) for alignment, ids in covering.values()]
