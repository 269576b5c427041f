"""``Learner.transcript``: the educator's signed continuing-education record (CLR 2.0)."""

import uuid
from typing import cast

import strawberry
from strawberry.scalars import JSON

from schema.context import Context
from service.domain.credentials.transcript_lines import summarise
from service.pipelines.transcript_issuance import transcript_for_learner

Info = strawberry.Info[Context, None]


@strawberry.type(
    name="Transcript",
    description="A signed CLR 2.0 ClrCredential holding the learner's visible, valid badges "
    "of a period, byte for byte as their issuers signed them.",
)
class TranscriptOut:
    url: str = strawberry.field(description="where the signed record is served (its id)")
    period: str = strawberry.field(description="``2025-2027`` or ``2025-07-01/2026-06-30``")
    period_start: str
    period_end: str
    credential_count: int
    total_hours: float = strawberry.field(description="recomputed from the badges it holds")
    obligation_hours: float = strawberry.field(description="Québec's 30 hours per period")
    document: JSON = strawberry.field(description="the signed JSON-LD record, as served")
    jwt: str = strawberry.field(description="the same record as a signed VC-JWT")


async def transcript_of(
    info: Info, learner_id: uuid.UUID, period: str | None
) -> TranscriptOut | None:
    """None when the learner has no badge the caller may see in the period."""
    context = info.context
    async with context.reader.turn():  # its units take turns with the request's others
        result = await transcript_for_learner(
            context.reader.runtime, context.principal, learner_id, period
        )
    transcript = result.transcript
    if transcript is None:
        return None
    document = transcript.document
    summary = summarise(document["credentialSubject"]["verifiableCredential"])
    chosen = result.draft.period
    return TranscriptOut(
        url=transcript.url,
        period=chosen.code,
        period_start=chosen.start.isoformat(),
        period_end=chosen.end.isoformat(),
        credential_count=len(summary.lines),
        total_hours=summary.total_hours,
        obligation_hours=summary.obligation_hours,
        document=cast("JSON", document),
        jwt=transcript.jwt,
    )
