"""Training platforms post completions; each gets exactly one signed badge."""

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, KwargDefinition

from service.api.bodies import read_json
from service.api.dependencies import requires_token
from service.api.errors import problems
from service.api.throttle import throttle_token_completions
from service.domain.clients.clients import TokenClaims
from service.domain.credentials.awards import Award
from service.domain.credentials.completions import Completion, Learner, Reflection
from service.pipelines.issuance import issue_completion
from service.runtime import Runtime

MAX_BODY_BYTES = 1024 * 1024  # three prompts of 20,000 characters fit several times over


class LearnerIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320, examples=["marie.tremblay@exemple.qc.ca"])]
    name: Annotated[str, msgspec.Meta(max_length=300, examples=["Marie Tremblay"])]
    id: Annotated[str, msgspec.Meta(max_length=500, description="a DID or URL")] | None = None


class ReflectionIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    prompt: Annotated[str, msgspec.Meta(max_length=100, description="the prompt's key")]
    answer: Annotated[str, msgspec.Meta(max_length=100_000)]


class CompletionIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    achievement: Annotated[
        str,
        msgspec.Meta(
            description="slug or id", examples=["leadership-pedagonumerique-1-explorateur"]
        ),
    ]
    external_id: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=200, description="the platform's own id for this completion"
        ),
    ]
    learner: LearnerIn
    completed_at: Annotated[datetime, msgspec.Meta(description="RFC 3339, with a time zone")]
    reflections: list[ReflectionIn]
    share_reflections: bool = False
    hours: (
        Annotated[
            float,
            msgspec.Meta(
                gt=0,
                le=1000,
                description="continuing-education hours actually done, in quarter hours, at most "
                "the achievement's; omitted: the achievement's own hours, when it states them",
                examples=[2.5],
            ),
        ]
        | None
    ) = None

    def to_domain(self) -> Completion:
        return Completion.normalised(
            achievement=self.achievement,
            external_id=self.external_id,
            learner=Learner(self.learner.email, self.learner.name, self.learner.id),
            completed_at=self.completed_at,
            share_reflections=self.share_reflections,
            reflections=tuple(Reflection(r.prompt, r.answer) for r in self.reflections),
            hours=self.hours,
        )


class AwardOut(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    id: str
    url: str
    status: str
    credential: Annotated[
        msgspec.Raw,
        KwargDefinition(
            description="the signed OpenBadgeCredential, byte for byte as stored",
            schema_extra={"type": "object"},
        ),
    ]
    jwt: str
    manage_url: Annotated[
        str | None,
        msgspec.Meta(
            description="the earner's private management link, in the first answer (201) only; "
            "hand it to the earner, and get a fresh one with POST "
            "/api/v1/credentials/{id}/manage-link"
        ),
    ] = None

    @classmethod
    def from_domain(cls, award: Award) -> "AwardOut":
        return cls(
            id=str(award.credential_id),
            url=award.url,
            status=award.status,
            credential=msgspec.Raw(award.signed_json),
            jwt=award.jwt,
            manage_url=award.manage_url,
        )


def _describe(data: CompletionIn) -> None:
    """Never called: its ``data`` is the body the OpenAPI shows (read by `service.api.bodies`)."""


class CompletionController(Controller):
    path = "/api/v1/completions"
    tags = ["Awards"]
    dependencies = {
        "principal": requires_token("completions:write"),
        "throttled": Provide(throttle_token_completions),
        "documented_body": Provide(_describe, sync_to_thread=False),
    }

    @post(
        operation_id="RecordCompletion",
        status_code=201,
        request_max_body_size=MAX_BODY_BYTES,
        responses={
            200: ResponseSpec(AwardOut, description="A retry: the badge already issued"),
            **problems(400, 401, 403, 409, 413, 415, 422, 429, 503),
        },
    )
    async def record(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[TokenClaims],
        throttled: NamedDependency[None],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                description="retries with the same key return the first badge",
            ),
        ] = None,
    ) -> Response[AwardOut]:
        """Record a completion and issue its badge; a retry returns the same badge (200).

        The body is a `CompletionIn` (application/json, at most 1 MiB).
        """
        del throttled  # counted against the platform's limit
        data = await read_json(request, CompletionIn)
        award = await issue_completion(runtime, principal, data.to_domain(), idempotency_key)
        return Response(AwardOut.from_domain(award), status_code=201 if award.is_new else 200)
