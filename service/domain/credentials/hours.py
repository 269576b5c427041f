"""Continuing-education hours: what a training is worth and what a learner did.

Québec's Loi sur l'instruction publique (2020 amendments) asks every teacher for 30 hours of
continuing education per period of two school years, periods starting on 1 July of each odd
year. Hours are counted in quarter hours, so that sums are exact (binary floats hold them).
An achievement may state its hours; a completion may report fewer (a partial attendance),
never more.
"""

from service.domain.errors import FieldProblem
from service.domain.texts import Said

MAX_HOURS = 1000.0
QUARTER = 0.25
OBLIGATION_HOURS = 30.0


def hours_problems(
    field: str, hours: float | None, *, most: float | None = None
) -> list[FieldProblem]:
    """Whether `hours` are a positive number of quarter hours, at most `most` when given."""
    if hours is None:
        return []
    if not 0 < hours <= MAX_HOURS or (hours / QUARTER) != int(hours / QUARTER):
        return [FieldProblem(field, Said("hours-form", most=f"{MAX_HOURS:g}"))]
    if most is not None and hours > most:
        return [FieldProblem(field, Said("hours-beyond-achievement", most=f"{most:g}"))]
    return []


def total_hours(hours: list[float]) -> float:
    """A sum of quarter hours (exact in binary floating point)."""
    return float(sum(hours))
