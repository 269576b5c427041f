"""Employers verify any Open Badges credential: a link, JSON, a JWT or a baked image."""

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, QueryParameter

from openbadges.verification import CHECK_CODES
from service.api.bodies import media_type, read_json
from service.api.contract import BODY, RecipientIn, VerificationOperation
from service.api.dependencies import SERVICES, optional_caller
from service.api.errors import problems
from service.api.throttle import throttle
from service.domain.errors import FieldProblem, InvalidInput
from service.domain.messages import pick_language
from service.domain.texts import Said
from service.domain.verification.verifications import Report, Submission, VerificationService
from service.metrics import metrics

MAX_UPLOAD_BYTES = 16 * 1024 * 1024


class VerificationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Exactly one of ``credential``, ``jwt`` or ``url``."""

    credential: dict[str, Any] | None = None
    jwt: Annotated[str, msgspec.Meta(max_length=1_000_000)] | None = None
    url: (
        Annotated[
            str, msgspec.Meta(max_length=2000, examples=["https://insigne.example/credentials/…"])
        ]
        | None
    ) = None
    recipient: RecipientIn | None = None


_CODES = {
    **CHECK_CODES,
    "known-issuer": "The issuer is hosted here or in the configured trust list "
    "(skipped when no signature was proven).",
}


class CheckOut(msgspec.Struct, kw_only=True):
    """One check; ``code`` and ``status`` are stable, ``message`` follows Accept-Language."""

    code: Annotated[
        str,
        msgspec.Meta(
            description="; ".join(f"`{code}`: {text}" for code, text in _CODES.items()),
            examples=list(_CODES),
        ),
    ]
    status: Literal["passed", "failed", "warning", "skipped"]
    message: str
    detail: dict[str, Any] | None = None


class VerificationOut(msgspec.Struct, kw_only=True):
    verified: bool
    verdict: Annotated[
        Literal["valid", "invalid", "unverifiable"],
        msgspec.Meta(
            description="`valid`; `invalid` (`verdictReason` names the check that decided "
            "it); `unverifiable`: something could not be checked (a document that could not "
            "be fetched, an unsupported format or signature), which does not make it false"
        ),
    ]
    verdict_reason: Annotated[
        str | None, msgspec.Meta(description="the code of the check that decided the verdict")
    ] = msgspec.field(name="verdictReason")
    headline: Annotated[
        str, msgspec.Meta(description="one sentence for people, in the requested language")
    ]
    format: str | None
    summary: dict[str, Any]
    checks: list[CheckOut]

    @classmethod
    def from_domain(cls, report: Report) -> "VerificationOut":
        return cls(
            verified=report.verified,
            verdict=report.verdict,
            verdict_reason=report.verdict_reason,
            headline=report.headline,
            format=report.format,
            summary=report.summary,
            checks=[msgspec.convert(check, CheckOut) for check in report.checks],
        )


Language = Annotated[str | None, HeaderParameter(name="Accept-Language", description="fr or en")]


class VerificationController(Controller):
    path = "/api/v1/verifications"
    tags = ["Verification"]
    dependencies = {
        "principal": Provide(optional_caller, sync_to_thread=False),
        "caller": Provide(throttle),
        **SERVICES,
        **BODY,
    }

    @post(
        operation_id="VerifyCredential",
        status_code=200,
        responses=problems(400, 401, 422, 429),
        request_max_body_size=MAX_UPLOAD_BYTES,
        operation_class=VerificationOperation,
    )
    async def verify(
        self,
        request: Request[object, object, State],
        verifications: NamedDependency[VerificationService],
        caller: NamedDependency[str],
        accept_language: Language = None,
    ) -> VerificationOut:
        """Verify a credential: JSON (``credential``, ``jwt`` or ``url``), or a baked PNG/SVG.

        The image comes as a multipart upload: field ``file``, optional ``recipientEmail``.
        """
        submission = await _submission(request)
        return await _verify(verifications, submission, accept_language, caller)

    @get(operation_id="VerifyCredentialLink", responses=problems(401, 422, 429))
    async def verify_link(
        self,
        verifications: NamedDependency[VerificationService],
        caller: NamedDependency[str],
        url: Annotated[str, QueryParameter(max_length=2000, description="the badge link")],
        email: Annotated[str | None, QueryParameter(description="check the recipient")] = None,
        accept_language: Language = None,
    ) -> VerificationOut:
        """Verify a badge link (the same report as POST, for simple integrations)."""
        submission = Submission(url=url, recipient_email=email)
        return await _verify(verifications, submission, accept_language, caller)


async def _verify(
    verifications: VerificationService,
    submission: Submission,
    accept_language: str | None,
    caller: str,
) -> VerificationOut:
    """The report; `caller` (as its rate limit counts it) waits for slow steps behind its own."""
    report = await verifications.verify(submission, pick_language(accept_language), caller=caller)
    metrics().verifications.labels(report.verdict).inc()
    return VerificationOut.from_domain(report)


async def _submission(request: Request[object, object, State]) -> Submission:
    """Read the body by its media type: JSON, or a multipart image upload."""
    if media_type(request) == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput([FieldProblem("file", Said("verification-file-missing"))])
        email = form.get("recipientEmail")
        if isinstance(email, str) and len(email) > 320:  # as the OpenAPI document says
            raise InvalidInput(
                [FieldProblem("recipientEmail", Said("at-most-characters", most=320))]
            )
        return Submission(
            image=await upload.read(), recipient_email=email if isinstance(email, str) else None
        )
    body = await read_json(request, VerificationIn)
    return Submission(
        credential=body.credential,
        jwt=body.jwt,
        url=body.url,
        recipient_email=body.recipient.email if body.recipient else None,
    )
