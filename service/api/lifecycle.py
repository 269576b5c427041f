"""Revoke, suspend and reinstate credentials: the issuer's platforms, after issuance."""

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.clients.clients import Principal
from service.domain.credentials.lifecycle import MAX_REASON_LENGTH, StatusChange
from service.pipelines.status_change import change_status
from service.runtime import Runtime

_PROBLEMS = problems(400, 401, 403, 404, 409, 422)


class ReasonIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    reason: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=MAX_REASON_LENGTH,
            pattern=r"^[^\x00]*$",  # a NUL fits no database text column
            examples=["attribué par erreur"],
        ),
    ]


class StatusOut(msgspec.Struct, kw_only=True, rename="camel"):
    id: str
    status: Annotated[
        str, msgspec.Meta(examples=["revoked"], description="active, suspended, revoked")
    ]
    reason: str | None
    changed_at: datetime | None

    @classmethod
    def from_domain(cls, change: StatusChange) -> "StatusOut":
        return cls(
            id=str(change.credential_id),
            status=change.status,
            reason=change.reason,
            changed_at=change.changed_at,
        )


class CredentialStatusController(Controller):
    path = "/api/v1/credentials"
    tags = ["Credentials"]
    dependencies = {"principal": requires("credentials:revoke")}

    @post(
        "/{credential_id:uuid}/revoke",
        operation_id="RevokeCredential",
        status_code=200,
        responses=_PROBLEMS,
    )
    async def revoke(
        self,
        data: JSONBody[ReasonIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        credential_id: FromPath[uuid.UUID],
    ) -> StatusOut:
        """Revoke a credential for good (a repeat answers the same status)."""
        change = await change_status(
            runtime, principal, credential_id, "revoked", data.reason, actor=principal.client_id
        )
        return StatusOut.from_domain(change)

    @post(
        "/{credential_id:uuid}/suspend",
        operation_id="SuspendCredential",
        status_code=200,
        responses=_PROBLEMS,
    )
    async def suspend(
        self,
        data: JSONBody[ReasonIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        credential_id: FromPath[uuid.UUID],
    ) -> StatusOut:
        """Suspend a credential until it is reinstated."""
        change = await change_status(
            runtime, principal, credential_id, "suspended", data.reason, actor=principal.client_id
        )
        return StatusOut.from_domain(change)

    @post(
        "/{credential_id:uuid}/reinstate",
        operation_id="ReinstateCredential",
        status_code=200,
        responses=_PROBLEMS,
    )
    async def reinstate(
        self,
        data: JSONBody[ReasonIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        credential_id: FromPath[uuid.UUID],
    ) -> StatusOut:
        """Lift a suspension; a revoked credential cannot be reinstated (409)."""
        change = await change_status(
            runtime, principal, credential_id, "active", data.reason, actor=principal.client_id
        )
        return StatusOut.from_domain(change)
