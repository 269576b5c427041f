"""The printable attestation of a transcript: what an educator hands their school's direction.

It is read back from the signed record (`transcript_lines`), never from the database, so what
it prints is what its QR code lets anyone verify: the QR code leads to the verify page with the
record's own URL.
"""

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

import segno

from service.domain.credentials.periods import Period
from service.domain.credentials.transcript_lines import TranscriptLine, held_credentials, summarise
from service.domain.credentials.transcripts import Transcript, TranscriptDraft
from service.domain.urls import Urls

PERIODS_OFFERED = 4  # the current legal period and the three before it


@dataclass(frozen=True)
class AttestationView:
    educator: str
    start: date
    end: date
    period_code: str
    periods: tuple[str, ...]
    lines: tuple[TranscriptLine, ...]
    total: float
    obligation: float
    has_transcript: bool
    verify_url: str | None = None
    qr_svg: str = ""
    signed_by: str = ""
    signed_at: datetime | None = None


def attestation_view(
    draft: TranscriptDraft, transcript: Transcript | None, urls: Urls, today: date
) -> AttestationView:
    """The attestation of `transcript` (None: no badge in the period, nothing signed)."""
    document = transcript.document if transcript is not None else {}
    summary = summarise(held_credentials(document))
    current = Period.legal(today)
    periods = tuple(
        Period.legal(date(current.start.year - 2 * back, 7, 1)).code
        for back in range(PERIODS_OFFERED)
    )
    common = {
        "educator": draft.learner_name,
        "start": draft.period.start,
        "end": draft.period.end,
        "period_code": draft.period.code,
        "periods": periods,
        "lines": summary.lines,
        "total": summary.total_hours,
        "obligation": summary.obligation_hours,
    }
    if transcript is None:
        return AttestationView(has_transcript=False, **common)  # type: ignore[arg-type]
    verify_url = f"{urls.verify_page()}?link={quote(transcript.url, safe='')}"
    issuer = document.get("issuer")
    return AttestationView(
        has_transcript=True,
        verify_url=verify_url,
        qr_svg=segno.make(verify_url, error="m").svg_inline(scale=4, border=2),
        signed_by=str(issuer.get("name", "")) if isinstance(issuer, dict) else "",
        signed_at=_datetime(document.get("validFrom")),
        **common,  # type: ignore[arg-type]
    )


def _datetime(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
