"""A platform's xAPI set-up: its mappings, its account actors' e-mails, what is held and why."""

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.api.dependencies import requires
from service.api.errors import problems
from service.domain.clients.clients import Principal
from service.domain.xapi.intake import Account, Assembly
from service.domain.xapi.mappings import Mapping, NewMapping
from service.domain.xapi.statements import MAX_IRI
from service.pipelines.xapi_assembly import tell_accounts
from service.runtime import Runtime

Iri = Annotated[str, msgspec.Meta(max_length=MAX_IRI)]
COURSE = "https://moodle.exemple.qc.ca/course/view.php?id=12"
ITEM = "https://moodle.exemple.qc.ca/mod/feedback/edit_item.php?id=31"


class MappingIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    achievement: Annotated[
        str,
        msgspec.Meta(
            description="slug or id", examples=["leadership-pedagonumerique-1-explorateur"]
        ),
    ]
    completed_activity: Annotated[
        Iri,
        msgspec.Meta(
            description="the activity whose `completed` statement awards it", examples=[COURSE]
        ),
    ]
    answers: Annotated[
        dict[str, Iri],
        msgspec.Meta(
            description="prompt key → the activity whose `answered` statements answer it",
            examples=[{"retenir": ITEM}],
        ),
    ]
    share_reflections: bool = False


class MappingOut(msgspec.Struct, kw_only=True, rename="camel"):
    id: str
    achievement_id: str
    completed_activity: str
    answers: dict[str, str]
    share_reflections: bool
    created_at: datetime

    @classmethod
    def from_domain(cls, mapping: Mapping) -> "MappingOut":
        return cls(
            id=str(mapping.id),
            achievement_id=str(mapping.achievement_id),
            completed_activity=mapping.completed_activity,
            answers=mapping.answers,
            share_reflections=mapping.share_reflections,
            created_at=mapping.created_at,
        )


class AccountIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    home_page: Annotated[
        str, msgspec.Meta(max_length=500, examples=["https://moodle.exemple.qc.ca"])
    ]
    name: Annotated[
        str, msgspec.Meta(max_length=300, description="the account's name", examples=["42"])
    ]
    email: Annotated[str, msgspec.Meta(max_length=320, examples=["marie.tremblay@exemple.qc.ca"])]


class PendingOut(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    mapping_id: str
    completed_activity: str
    learner: Annotated[
        str, msgspec.Meta(description="the e-mail, or the account actor whose e-mail is unknown")
    ]
    statements: int
    waiting_for: list[str]
    refused: Annotated[str | None, msgspec.Meta(description="why the badge was refused")] = None

    @classmethod
    def from_domain(cls, assembly: Assembly) -> "PendingOut":
        return cls(
            mapping_id=str(assembly.mapping.id),
            completed_activity=assembly.mapping.completed_activity,
            learner=assembly.learner,
            statements=len(assembly.statement_ids),
            waiting_for=list(assembly.missing),
            refused=assembly.problem,
        )


class XapiMappingController(Controller):
    path = "/api/v1/xapi-mappings"
    tags = ["xAPI"]
    dependencies = {"principal": requires("completions:write")}

    @post(operation_id="CreateXapiMapping", status_code=201, responses=problems(401, 403, 409, 422))
    async def create(
        self,
        data: JSONBody[MappingIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> MappingOut:
        """Map a course's `completed` and its items' `answered` statements to a badge."""
        new = NewMapping(
            data.achievement, data.completed_activity, data.answers, data.share_reflections
        )
        async with runtime.write(principal) as services:
            return MappingOut.from_domain(await services.xapi_mappings.create(new))

    @get(operation_id="ListXapiMappings", responses=problems(401, 403))
    async def list_mappings(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> list[MappingOut]:
        """The caller's mappings."""
        async with runtime.read(principal) as services:
            return [MappingOut.from_domain(m) for m in await services.xapi_mappings.list()]

    @delete(
        "/{mapping_id:uuid}", operation_id="DeleteXapiMapping", responses=problems(401, 403, 404)
    )
    async def delete_mapping(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        mapping_id: FromPath[uuid.UUID],
    ) -> None:
        """Stop reading that course's statements."""
        async with runtime.write(principal) as services:
            await services.xapi_mappings.delete(mapping_id)


class XapiLearnerController(Controller):
    path = "/api/v1"
    tags = ["xAPI"]
    dependencies = {"principal": requires("completions:write")}

    @post(
        "/xapi-accounts",
        operation_id="TellXapiAccounts",
        status_code=204,
        responses=problems(401, 403, 422),
    )
    async def tell(
        self,
        data: JSONBody[Annotated[list[AccountIn], msgspec.Meta(max_length=1000)]],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> None:
        """Tell the e-mails of `account` actors; their held statements are assembled now."""
        accounts = [Account(a.home_page, a.name, a.email) for a in data]
        await tell_accounts(runtime, principal, accounts)

    @get("/xapi-pending", operation_id="ListXapiPending", responses=problems(401, 403))
    async def pending(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> list[PendingOut]:
        """Statements held for a badge, per learner and mapping, with what they wait for."""
        async with runtime.read(principal) as services:
            return [PendingOut.from_domain(a) for a in await services.xapi.pending()]
