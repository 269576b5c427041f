"""Command-line administration of issuers and clients, run as the operator (every issuer).

``insigne issuers create|update|list|show`` and ``insigne clients list|show``; the JSON they
print has the names the HTTP API uses. ``clients create|renew-secret|disable`` are in
`service.cli`.
"""

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from service.cli_lifecycle import run_as_operator
from service.domain.errors import InvalidInput
from service.settings import Settings

if TYPE_CHECKING:
    from service.domain.catalogue.images import StoredImage
    from service.domain.clients.admin import ClientView
    from service.domain.issuers.admin import AdministeredIssuer
    from service.runtime import Runtime, Services

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
# `issuers update` flags and the API fields they set; --clear takes the optional ones.
_FIELDS = {
    "name": "name",
    "url": "url",
    "email": "email",
    "description": "description",
    "image": "image",
    "parent": "parentOrganisation",
}
_CLEARABLE = ("description", "image", "parent")


def add_issuer_commands(commands: SubParsers) -> None:
    """Register ``issuers create|update|list|show``."""
    issuers = commands.add_parser("issuers", help="issuers (organisations) and their profiles")
    actions = issuers.add_subparsers(dest="issuers_command", required=True)
    create = actions.add_parser("create", help="create an issuer and its signing keys")
    create.add_argument("--slug", required=True, help="its address: /issuers/<slug>")
    for flag in ("name", "url", "email"):
        create.add_argument(f"--{flag}", required=True)
    _optional_flags(create)
    create.set_defaults(run=_create_issuer)
    update = actions.add_parser("update", help="change an issuer's profile")
    update.add_argument("slug")
    for flag in ("name", "url", "email"):
        update.add_argument(f"--{flag}")
    _optional_flags(update)
    update.add_argument(
        "--clear", action="append", default=[], choices=_CLEARABLE, help="unset a field"
    )
    update.set_defaults(run=_update_issuer)
    actions.add_parser("list", help="every issuer").set_defaults(run=_list_issuers)
    actions.add_parser(
        "fetch-logos", help="fetch logos still stored as foreign URLs and serve them ourselves"
    ).set_defaults(run=_fetch_logos)
    show = actions.add_parser("show", help="one issuer")
    show.add_argument("slug")
    show.set_defaults(run=_show_issuer)


def add_client_commands(clients: SubParsers) -> None:
    """Register ``clients list|show`` beside the existing client commands."""
    clients.add_parser("list", help="every API client, newest first").set_defaults(
        run=_list_clients
    )
    show = clients.add_parser("show", help="one API client (never its secret)")
    show.add_argument("client_id")
    show.set_defaults(run=_show_client)


def _optional_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--description")
    parser.add_argument("--image", help="an https URL")
    parser.add_argument("--parent", help="the parent organisation's slug")


def _create_issuer(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.issuers.admin import NewIssuer

    new = NewIssuer(
        slug=args.slug,
        name=args.name,
        url=args.url,
        email=args.email,
        description=args.description,
        image=args.image,
        parent=args.parent,
    )

    async def create(services: "Services", logo: "StoredImage | None") -> "AdministeredIssuer":
        return await services.issuer_admin.create(new, actor="cli", logo=logo)

    print_json(issuer_json(_with_logo(settings, new.image, create)))
    return 0


def _update_issuer(settings: Settings, args: argparse.Namespace) -> int:
    changes: dict[str, str | None] = {
        field: getattr(args, flag)
        for flag, field in _FIELDS.items()
        if getattr(args, flag) is not None
    }
    changes.update({_FIELDS[flag]: None for flag in args.clear})

    async def update(services: "Services", logo: "StoredImage | None") -> "AdministeredIssuer":
        return await services.issuer_admin.update(args.slug, changes, actor="cli", logo=logo)

    print_json(issuer_json(_with_logo(settings, changes.get("image"), update)))
    return 0


def _fetch_logos(settings: Settings, args: argparse.Namespace) -> int:
    """Logos set as URLs before they were fetched: each fetched once, as a new one would be."""
    from service.runtime import Runtime

    async def run() -> list[dict[str, str | None]]:
        runtime = Runtime.build(settings)
        try:
            async with runtime.write(is_operator=True) as services:
                foreign = [
                    (i.profile.slug, i.profile.image_url)
                    for i in await services.issuer_admin.issuers()
                    if i.profile.image_url and not runtime.urls.is_own_image(i.profile.image_url)
                ]
            return [await _localise(runtime, slug, url) for slug, url in foreign]
        finally:
            await runtime.close()

    done = asyncio.run(run())
    print_json(done)
    return 0 if all(item["error"] is None for item in done) else 2


async def _localise(runtime: "Runtime", slug: str, url: str) -> dict[str, str | None]:
    from service.logos import fetch_logo

    try:
        logo = await fetch_logo(runtime, url)
    except InvalidInput as error:  # left as it is (pages do not show it); said why
        return {"slug": slug, "image": url, "error": str(error)}
    async with runtime.write(is_operator=True) as services:
        issuer = await services.issuer_admin.update(slug, {"image": url}, actor="cli", logo=logo)
    return {"slug": slug, "image": issuer.profile.image_url, "error": None}


def _with_logo(
    settings: Settings,
    image: str | None,
    action: "Callable[[Services, StoredImage | None], Awaitable[AdministeredIssuer]]",
) -> "AdministeredIssuer":
    """Fetch the logo URL first (no network inside the unit), then run `action` as operator."""
    from service.logos import fetch_logo
    from service.runtime import Runtime

    async def run() -> "AdministeredIssuer":
        runtime = Runtime.build(settings)
        try:
            logo = await fetch_logo(runtime, image)
            async with runtime.write(is_operator=True) as services:
                return await action(services, logo)
        finally:
            await runtime.close()

    return asyncio.run(run())


def _list_issuers(settings: Settings, args: argparse.Namespace) -> int:
    async def issuers(services: "Services") -> "list[AdministeredIssuer]":
        return await services.issuer_admin.issuers()

    print_json([issuer_json(issuer) for issuer in run_as_operator(settings, issuers)])
    return 0


def _show_issuer(settings: Settings, args: argparse.Namespace) -> int:
    async def show(services: "Services") -> "AdministeredIssuer":
        return await services.issuer_admin.get(args.slug)

    print_json(issuer_json(run_as_operator(settings, show)))
    return 0


def _list_clients(settings: Settings, args: argparse.Namespace) -> int:
    async def every(services: "Services") -> "list[ClientView]":
        found, cursor = [], None
        while True:
            page = await services.client_admin.page(cursor=cursor, limit=200)
            found.extend(page.items)
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    print_json([client_json(client) for client in run_as_operator(settings, every)])
    return 0


def _show_client(settings: Settings, args: argparse.Namespace) -> int:
    async def show(services: "Services") -> "ClientView":
        return await services.client_admin.get(args.client_id)

    print_json(client_json(run_as_operator(settings, show)))
    return 0


def print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def issuer_json(issuer: "AdministeredIssuer") -> dict[str, Any]:
    profile = issuer.profile
    return {
        "slug": profile.slug,
        "id": profile.did,
        "name": profile.name,
        "url": profile.url,
        "email": profile.email,
        "description": profile.description,
        "image": profile.image_url,
        "parentOrganisation": issuer.parent,
    }


def client_json(client: "ClientView") -> dict[str, Any]:
    return {
        "clientId": client.client_id,
        "name": client.name,
        "scopes": list(client.scopes),
        "issuers": list(client.issuers),
        "createdAt": client.created_at.isoformat(),
        "disabledAt": client.disabled_at.isoformat() if client.disabled_at else None,
    }
