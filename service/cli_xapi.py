"""``insigne xapi``: a platform's xAPI mappings, account e-mails and held statements.

The operator acts on behalf of one client (``--client``), as that client would through
``/api/v1/xapi-mappings``, ``/api/v1/xapi-accounts`` and ``/api/v1/xapi-pending``.
"""

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from service.domain.errors import FieldProblem, InvalidInput
from service.domain.texts import Said
from service.settings import Settings

if TYPE_CHECKING:
    from service.domain.clients.clients import Principal
    from service.domain.xapi.mappings import Mapping
    from service.runtime import Runtime


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register ``xapi mappings create|list|delete``, ``xapi accounts set`` and ``xapi pending``."""
    xapi = commands.add_parser("xapi", help="xAPI intake: mappings, account e-mails, pending")
    actions = xapi.add_subparsers(dest="xapi_command", required=True)
    mappings = actions.add_parser("mappings").add_subparsers(dest="mappings_command", required=True)
    create = mappings.add_parser("create", help="map a course and its answers to a badge")
    _client(create)
    create.add_argument("--achievement", required=True, help="slug or id")
    create.add_argument("--completed", required=True, help="the course's activity IRI")
    create.add_argument(
        "--answer", action="append", default=[], metavar="PROMPT=IRI", help="repeat per prompt"
    )
    create.add_argument("--share-reflections", action="store_true")
    create.set_defaults(run=_create)
    listing = mappings.add_parser("list", help="a client's mappings")
    _client(listing)
    listing.set_defaults(run=_list)
    remove = mappings.add_parser("delete", help="delete a mapping")
    _client(remove)
    remove.add_argument("mapping_id", type=uuid.UUID)
    remove.set_defaults(run=_delete)
    accounts = actions.add_parser("accounts").add_subparsers(dest="accounts_command", required=True)
    tell = accounts.add_parser("set", help="the e-mail of an account actor")
    _client(tell)
    tell.add_argument("--home-page", required=True)
    tell.add_argument("--name", required=True, help="the account's name (e.g. Moodle's user id)")
    tell.add_argument("--email", required=True)
    tell.set_defaults(run=_tell)
    pending = actions.add_parser("pending", help="statements held, and what they wait for")
    _client(pending)
    pending.set_defaults(run=_pending)


def _client(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--client", required=True, help="the platform client's id (ins_…)")


def _create(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.xapi.mappings import NewMapping

    answers = {}
    for value in args.answer:
        prompt, sep, iri = value.partition("=")
        if not sep:
            raise InvalidInput([FieldProblem("--answer", Said("answer-form", value=value))])
        answers[prompt] = iri
    new = NewMapping(args.achievement, args.completed, answers, args.share_reflections)

    async def create(runtime: "Runtime", principal: "Principal") -> Any:  # noqa: ANN401
        async with runtime.write(principal) as services:
            return _mapping(await services.xapi_mappings.create(new))

    _print(_as_client(settings, args.client, create))
    return 0


def _list(settings: Settings, args: argparse.Namespace) -> int:
    async def listing(runtime: "Runtime", principal: "Principal") -> Any:  # noqa: ANN401
        async with runtime.read(principal) as services:
            return [_mapping(m) for m in await services.xapi_mappings.list()]

    _print(_as_client(settings, args.client, listing))
    return 0


def _delete(settings: Settings, args: argparse.Namespace) -> int:
    async def remove(runtime: "Runtime", principal: "Principal") -> Any:  # noqa: ANN401
        async with runtime.write(principal) as services:
            await services.xapi_mappings.delete(args.mapping_id)

    _as_client(settings, args.client, remove)
    _print({"id": str(args.mapping_id), "deleted": True})
    return 0


def _tell(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.xapi.intake import Account
    from service.pipelines.xapi_assembly import tell_accounts

    account = Account(args.home_page, args.name, args.email)

    async def tell(runtime: "Runtime", principal: "Principal") -> Any:  # noqa: ANN401
        await tell_accounts(runtime, principal, [account])

    _as_client(settings, args.client, tell)
    _print({"homePage": args.home_page, "name": args.name, "told": True})
    return 0


def _pending(settings: Settings, args: argparse.Namespace) -> int:
    async def pending(runtime: "Runtime", principal: "Principal") -> Any:  # noqa: ANN401
        async with runtime.read(principal) as services:
            return [
                {
                    "mappingId": str(a.mapping.id),
                    "learner": a.learner,
                    "statements": len(a.statement_ids),
                    "waitingFor": list(a.missing),
                    "refused": a.problem,
                }
                for a in await services.xapi.pending()
            ]

    _print(_as_client(settings, args.client, pending))
    return 0


def _mapping(mapping: "Mapping") -> dict[str, Any]:
    return {
        "id": str(mapping.id),
        "achievementId": str(mapping.achievement_id),
        "completedActivity": mapping.completed_activity,
        "answers": mapping.answers,
        "shareReflections": mapping.share_reflections,
    }


def _as_client(
    settings: Settings,
    client_id: str,
    action: "Callable[[Runtime, Principal], Awaitable[Any]]",
) -> Any:  # noqa: ANN401
    """Run `action` as that client, with a runtime of its own."""
    from service.runtime import Runtime

    async def run() -> Any:  # noqa: ANN401
        runtime = Runtime.build(settings)
        try:
            async with runtime.read() as services:
                principal = await services.clients.principal_for(client_id)
            return await action(runtime, principal)
        finally:
            await runtime.close()

    return asyncio.run(run())


def _print(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
