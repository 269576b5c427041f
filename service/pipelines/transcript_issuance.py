"""The transcript pipeline: gather (read) → build and sign (no transaction) → keep (write).

As for badges (`service.pipelines.issuance`), no unit of work is open while the record is signed. A
record already signed for the same set of badges (`TranscriptService`'s key) is returned as
it is, so a page that shows it, its QR code and its PDF costs one signature, not three. The
signature is made in a worker thread: seconds for a record of many badges.
"""

import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from openbadges import FairThreads, work_lane
from service.domain.clients.clients import Principal
from service.domain.credentials.periods import Period
from service.domain.credentials.transcripts import (
    Transcript,
    TranscriptDraft,
    build_transcript,
    sign_transcript,
)
from service.limits import client_key
from service.runtime import Runtime

SIGNERS = FairThreads(2, "insigne-transcripts")
"""The threads that sign records, apart from every other slow work's: callers take them in
turn, a platform by its API client, an earner by their badge's link, so one caller's many
records wait behind each other, not in front of everyone else's."""


@dataclass(frozen=True)
class TranscriptResult:
    draft: TranscriptDraft
    transcript: Transcript | None  # None: no badge in the period, nothing to sign


async def transcript_for_learner(
    runtime: Runtime, principal: Principal | None, learner_id: uuid.UUID, period: str | None
) -> TranscriptResult:
    """A platform's request (``GET /api/v1/learners/{id}/transcript``, GraphQL)."""
    async with runtime.read(principal) as services:
        chosen = Period.parse(period, runtime.clock().date())
        draft = await services.transcripts.for_learner(learner_id, chosen)
    return await _signed(runtime, draft, client_key(principal.client_id) if principal else None)


async def transcript_for_earner(
    runtime: Runtime, credential_id: uuid.UUID, token: str, period: str | None
) -> TranscriptResult:
    """The earner's request, through one of their badges' management links."""
    async with runtime.read() as services:
        chosen = Period.parse(period, runtime.clock().date())
        draft = await services.transcripts.for_earner(credential_id, token, chosen)
    return await _signed(runtime, draft, f"earner:{credential_id}")


async def _signed(runtime: Runtime, draft: TranscriptDraft, caller: str | None) -> TranscriptResult:
    if draft.signed is not None or not draft.held:
        return TranscriptResult(draft, draft.signed)
    # Seconds of CPU for a record of many badges (docs/transcripts.md): off the event loop.
    unsigned = build_transcript(draft, runtime.urls)
    # The caller named here, else as the request named it (`service.api.lanes`).
    with work_lane(caller) if caller is not None else nullcontext():
        signed_json, jwt = await SIGNERS.run(sign_transcript, unsigned, draft)
    async with runtime.write() as services:
        transcript = await services.transcripts.store(draft, signed_json, jwt)
    return TranscriptResult(draft, transcript)
