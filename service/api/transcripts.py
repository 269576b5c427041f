"""Continuing-education transcripts (signed CLR 2.0 records) for platforms, and public ones.

Platforms that may look a learner up (``portfolio:read``) get the record of the badges they may
list; the record's own URL (``/transcripts/{id}``, in the record and in its attestation's QR
code) serves it to anyone who holds it, as the badges it holds are served at theirs.
"""

import base64
import binascii
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from service.api.contract import JSON_LD_TYPES, JWT_TYPES, CredentialOperation
from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.clients.clients import Principal
from service.domain.credentials.transcripts import Transcript
from service.domain.errors import FieldProblem, InvalidInput, NotFound
from service.domain.texts import Said
from service.pipelines.transcript_issuance import transcript_for_learner
from service.runtime import Runtime

VC_LD, VC_JWT = JSON_LD_TYPES[0], JWT_TYPES[0]
Period = Annotated[
    str | None,
    QueryParameter(
        max_length=30,
        description="a legal period (``2025-2027``: 1 July 2025 to 30 June 2027) or any range "
        "of dates (``2025-07-01/2026-06-30``); omitted: the current legal period",
    ),
]


def learner_key(reference: str) -> uuid.UUID:
    """A learner's id, or its GraphQL global id (``Learner:<id>``, base64url)."""
    try:
        return uuid.UUID(reference)
    except ValueError:
        pass
    try:
        text = base64.urlsafe_b64decode(reference + "=" * (-len(reference) % 4)).decode()
        kind, _, key = text.partition(":")
        if kind == "Learner":
            return uuid.UUID(key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput([FieldProblem("id", Said("learner-reference-form"))])


def signed_response(request: Request[Any, Any, State], transcript: Transcript) -> Response[Any]:
    """The JSON-LD record, or its VC-JWT when the client asks for one (``Accept``)."""
    if "accept" in request.headers:
        best = request.accept.best_match([*JSON_LD_TYPES, *JWT_TYPES], default=VC_LD)
        if best in JWT_TYPES:
            return Response(transcript.jwt, media_type=best)
    return Response(transcript.signed_json, media_type=VC_LD)


class LearnerTranscriptController(Controller):
    path = "/api/v1/learners"
    tags = ["Transcripts"]
    dependencies = {"principal": requires("portfolio:read")}

    @get(
        "/{learner:str}/transcript",
        operation_id="GetLearnerTranscript",
        responses=problems(401, 403, 404, 422),
        media_type=VC_LD,
        operation_class=CredentialOperation,
    )
    async def get_transcript(
        self,
        request: Request[Any, Any, State],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        learner: Annotated[
            str, PathParameter(max_length=200, description="the learner's id or global id")
        ],
        period: Period = None,
    ) -> Response[Any]:
        """The learner's signed continuing-education transcript (CLR 2.0) for a period."""
        result = await transcript_for_learner(runtime, principal, learner_key(learner), period)
        if result.transcript is None:
            raise NotFound(Said("transcript-empty-for-viewer"))
        return signed_response(request, result.transcript)


class PublicTranscriptController(Controller):
    path = "/transcripts"
    tags = ["Public"]

    @get(
        "/{reference:str}",
        operation_id="ShowTranscript",
        responses=problems(404),
        media_type=VC_LD,
        operation_class=CredentialOperation,
    )
    async def show(
        self,
        request: Request[Any, Any, State],
        runtime: NamedDependency[Runtime],
        reference: Annotated[
            str, PathParameter(description="the record's id, optionally ending in .json or .jwt")
        ],
    ) -> Response[Any]:
        """A signed transcript at its own URL (where its attestation's QR code leads)."""
        stem, _, suffix = reference.partition(".")
        try:
            transcript_id = uuid.UUID(stem)
        except ValueError:
            raise NotFound(Said("no-such-transcript")) from None
        if suffix not in ("", "json", "jwt"):
            raise NotFound(Said("no-such-transcript"))
        async with runtime.read() as services:
            transcript = await services.transcripts.published(transcript_id)
        if suffix == "jwt":
            return Response(transcript.jwt, media_type=VC_JWT)
        if suffix == "json":
            return Response(transcript.signed_json, media_type=VC_LD)
        return signed_response(request, transcript)
