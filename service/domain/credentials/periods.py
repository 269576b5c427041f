"""The periods a continuing-education transcript covers.

Québec's legal periods run over two school years, from 1 July of an odd year to 30 June two
years later (2025-07-01 to 2027-06-30). A transcript may also cover any range of dates. Dates
are Québec's (a training completed at 22:00 on 30 June, Montréal time, belongs to that day).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from service.domain.errors import FieldProblem, InvalidInput
from service.domain.texts import Said

QUEBEC = ZoneInfo("America/Toronto")  # Montréal's time (the IANA link's target)
_LEGAL = re.compile(r"^(\d{4})-(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:/|\.\.)(\d{4}-\d{2}-\d{2})$")
MAX_DAYS = 20 * 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day, included

    @classmethod
    def legal(cls, on: date) -> "Period":
        """The legal two-year period `on` falls in."""
        school_year = on.year if on.month >= 7 else on.year - 1
        first = school_year if school_year % 2 == 1 else school_year - 1
        return cls(date(first, 7, 1), date(first + 2, 6, 30))

    @classmethod
    def parse(cls, text: str | None, today: date) -> "Period":
        """``2025-2027`` (a legal period), ``2025-07-01/2026-06-30`` (any range), or none.

        Raises:
            InvalidInput: anything else, or a range that ends before it starts.
        """
        if not text:
            return cls.legal(today)
        if legal := _LEGAL.match(text):
            first, last = int(legal[1]), int(legal[2])
            if first % 2 == 1 and last == first + 2:
                return cls(date(first, 7, 1), date(last, 6, 30))
        elif interval := _RANGE.match(text):
            try:
                start, end = date.fromisoformat(interval[1]), date.fromisoformat(interval[2])
            except ValueError:
                start, end = date.max, date.min
            if start <= end and (end - start).days <= MAX_DAYS:
                return cls(start, end)
        raise InvalidInput(
            [
                FieldProblem(
                    "period",
                    Said("period-form"),
                )
            ]
        )

    @property
    def is_legal(self) -> bool:
        return self == Period.legal(self.start)

    @property
    def code(self) -> str:
        """How `parse` reads it back: ``2025-2027`` or ``2025-07-01/2026-06-30``."""
        if self.is_legal:
            return f"{self.start.year}-{self.end.year}"
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    def contains(self, at: datetime) -> bool:
        return self.start <= at.astimezone(QUEBEC).date() <= self.end
