"""Levels reached and competencies covered: pure functions over a loaded portfolio."""

import uuid
from datetime import UTC, datetime, timedelta

from service.domain.catalogue.achievements import Achievement, Alignment
from service.domain.clients.visibility import CredentialFacts
from service.domain.portfolios.portfolios import PortfolioCredential
from service.domain.portfolios.standings import (
    CredentialFilter,
    covered_alignments,
    highest_levels,
    select_credentials,
)

ISSUER = uuid.uuid4()
CRCN5 = Alignment("CRCN", "CRCN-5", "Collaborer", "https://exemple.qc.ca/crcn")
CRCN11 = Alignment("CRCN", "CRCN-11", "Innover", "https://exemple.qc.ca/crcn")
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def _achievement(track: str, level: int, *alignments: Alignment) -> Achievement:
    return Achievement(
        uuid.uuid4(),
        f"{track}-{level}",
        ISSUER,
        track,
        level,
        f"Niveau {level}",
        "n",
        "d",
        "c",
        None,
        alignments,
        (),
        "fr",
    )


def _credential(
    achievement: Achievement, status: str = "active", days: int = 0
) -> PortfolioCredential:
    credential_id = uuid.uuid4()
    facts = CredentialFacts(credential_id, "reseau", uuid.uuid4(), False, False, False)
    return PortfolioCredential(
        credential_id,
        uuid.uuid4(),
        achievement.id,
        ISSUER,
        status,
        NOW + timedelta(days=days),
        NOW + timedelta(days=days, hours=1),
        facts,
        "Marie Tremblay",
    )


def test_the_highest_level_per_track_leaves_revoked_badges_out() -> None:
    one, two, three = (_achievement("Leadership", n) for n in (1, 2, 3))
    other = _achievement("Moodle", 1)
    credentials = [
        _credential(one),
        _credential(two),
        _credential(three, "revoked"),
        _credential(other),
    ]
    by_id = {a.id: a for a in (one, two, three, other)}

    reached = highest_levels(credentials, by_id)

    assert [(r.track, r.level) for r in reached] == [("Leadership", 2), ("Moodle", 1)]
    assert reached[0].credential_id == credentials[1].id


def test_each_competency_is_listed_once_with_every_badge_covering_it() -> None:
    one, two = _achievement("L", 1, CRCN5, CRCN11), _achievement("L", 2, CRCN5)
    credentials = [_credential(one), _credential(two)]

    covered = covered_alignments(credentials, {one.id: one, two.id: two})

    assert [(c.alignment.code, len(c.credential_ids)) for c in covered] == [
        ("CRCN-5", 2),
        ("CRCN-11", 1),
    ]


def test_filters_combine_and_dates_are_exclusive() -> None:
    one, other = _achievement("L", 1), _achievement("M", 1)
    credentials = [
        _credential(one, days=0),
        _credential(one, "revoked", days=5),
        _credential(other, days=10),
    ]
    by_id = {one.id: one, other.id: other}

    def chosen(**criteria: object) -> list[uuid.UUID]:
        return [c.id for c in select_credentials(credentials, CredentialFilter(**criteria), by_id)]  # type: ignore[arg-type]

    assert chosen(track="L") == [credentials[0].id, credentials[1].id]
    assert chosen(status="revoked") == [credentials[1].id]
    assert chosen(awarded_after=NOW, awarded_before=NOW + timedelta(days=10)) == [credentials[1].id]
    assert chosen(track="L", status="active") == [credentials[0].id]
