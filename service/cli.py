"""``insigne`` (also ``python -m service``): run, migrate, seed and administer the service."""

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.cli_achievements import add_commands as add_achievement_commands
from service.cli_admin import add_client_commands, add_issuer_commands
from service.cli_lifecycle import add_commands as add_lifecycle_commands
from service.cli_lifecycle import add_key_commands
from service.cli_xapi import add_commands as add_xapi_commands
from service.domain.errors import DomainError, FieldProblem, InvalidInput
from service.domain.texts import Said
from service.logs import configure_logging, logging_dict
from service.serving import BODY_SECONDS, HEADERS_SECONDS, SERVERS, ServeOptions, serve
from service.settings import Settings

if TYPE_CHECKING:
    from service.domain.clients.clients import NewClient
    from service.runtime import Services

DEMO_CLIENT_FILE = "demo-client.json"  # in the data folder, beside the development secrets


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the command line; returns the exit status.

    `env`: the environment its settings are read from (``os.environ`` when None); commands
    that read a variable of their own find it as ``args.env``.
    """
    environment = os.environ if env is None else env
    args = _parser().parse_args(argv, namespace=argparse.Namespace(env=environment))
    settings = Settings.from_env(environment)
    configure_logging(settings)
    try:
        return int(args.run(settings, args) or 0)
    except DomainError as error:
        print(f"insigne {args.command}: {error}", file=sys.stderr)  # noqa: T201 - the CLI's voice
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="insigne", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API (uvicorn, or granian)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument("--server", choices=SERVERS, default="uvicorn", help="the ASGI server")
    serve.add_argument(
        "--headers-timeout",
        type=float,
        default=HEADERS_SECONDS,
        help="seconds a client has to send a request's headers",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=BODY_SECONDS,
        help="seconds a client has to send a request's body after its headers (uvicorn)",
    )
    serve.set_defaults(run=_serve)
    db = commands.add_parser("db", help="database migrations").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="migrate to the newest schema").set_defaults(run=_upgrade)
    downgrade = db.add_parser("downgrade", help="step migrations back")
    downgrade.add_argument("revision", nargs="?", default="-1")
    downgrade.set_defaults(run=_downgrade)
    commands.add_parser(
        "demo", help="load the demo issuer, badge and platform client"
    ).set_defaults(run=_demo)
    clients = commands.add_parser("clients").add_subparsers(dest="clients_command", required=True)
    create = clients.add_parser("create", help="create an API client; prints its secret once")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scope", action="append", required=True, help="repeat, or space-separated"
    )
    create.add_argument(
        "--issuer", action="append", default=[], help="an issuer slug it may issue for"
    )
    create.set_defaults(run=_create_client)
    renew = clients.add_parser(
        "renew-secret", help="a new secret, printed once; tokens issued before stop working"
    )
    renew.add_argument("client_id")
    renew.set_defaults(run=_renew_secret)
    disable = clients.add_parser("disable", help="stop a client and every token it holds")
    disable.add_argument("client_id")
    disable.set_defaults(run=_disable_client)
    add_client_commands(clients)
    add_issuer_commands(commands)
    keys = commands.add_parser("keys").add_subparsers(dest="keys_command", required=True)
    rotate = keys.add_parser("rotate", help="retire an issuer's keys and make new ones")
    rotate.add_argument("--issuer", required=True, help="the issuer's slug")
    rotate.set_defaults(run=_rotate_keys)
    add_key_commands(keys)
    commands.add_parser(
        "export-schemas", help="write openapi/openapi.json and schema/schema.graphql"
    ).set_defaults(run=_export)
    add_lifecycle_commands(commands)
    add_achievement_commands(commands)
    add_xapi_commands(commands)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    options = ServeOptions(
        args.host,
        args.port,
        args.workers,
        args.server,
        headers_seconds=args.headers_timeout,
        body_seconds=args.body_timeout,
    )
    serve(options, logging_dict(settings))
    return 0


def _upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from alembic import command

    from service.db.engine import alembic_config

    command.upgrade(alembic_config(settings.database_url), "head")
    return 0


def _downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from alembic import command

    from service.db.engine import alembic_config

    command.downgrade(alembic_config(settings.database_url), args.revision)
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.demo import load_demo

    kept_file = settings.data_dir / DEMO_CLIENT_FILE
    kept = _read_kept(kept_file)

    async def load(services: "Services") -> Any:  # noqa: ANN401
        return asdict(await load_demo(services, kept))

    demo = _run(settings, load)
    if not demo["client_secret"]:
        print(  # noqa: T201 - the CLI's voice
            f"insigne demo: the demo client's secret is not kept in {kept_file}; "
            f"`insigne clients renew-secret {demo['client_id']}` prints a new one "
            "(tokens issued before stop working)",
            file=sys.stderr,
        )
    elif kept is None or kept.client_secret != demo["client_secret"]:
        _keep(kept_file, demo["client_id"], demo["client_secret"])
    _print(
        {
            "clientId": demo["client_id"],
            "clientSecret": demo["client_secret"] or None,
            "issuer": demo["issuer"],
            "achievement": demo["achievement"],
        }
    )
    return 0


def _read_kept(path: Path) -> "NewClient | None":
    """The demo client's credentials as `insigne demo` saved them, if it did."""
    from service.domain.clients.clients import NewClient

    try:
        saved = json.loads(path.read_text())
        return NewClient(str(saved["clientId"]), str(saved["clientSecret"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _keep(path: Path, client_id: str, secret: str) -> None:
    """Save the demo credentials readable by their owner only (as the development secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_suffix(".tmp")
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump({"clientId": client_id, "clientSecret": secret}, out)
    fresh.replace(path)


def _create_client(settings: Settings, args: argparse.Namespace) -> int:
    scopes = {scope for value in args.scope for scope in value.split()}

    async def create(services: "Services") -> Any:  # noqa: ANN401
        # A link to an issuer not yet made would hand its future admin rights to this client.
        unknown = [
            slug for slug in sorted(set(args.issuer)) if not await services.issuers.find(slug)
        ]
        if unknown:
            raise InvalidInput(
                [FieldProblem("issuer", Said("issuers-unknown", slugs=", ".join(unknown)))]
            )
        return await services.clients.create(
            name=args.name, scopes=scopes, issuer_slugs=set(args.issuer), actor="cli"
        )

    client = _run(settings, create)
    _print({"clientId": client.client_id, "clientSecret": client.client_secret})
    return 0


def _renew_secret(settings: Settings, args: argparse.Namespace) -> int:
    async def renew(services: "Services") -> Any:  # noqa: ANN401
        return await services.clients.renew_secret(args.client_id, actor="cli")

    client = _run(settings, renew)
    _print({"clientId": client.client_id, "clientSecret": client.client_secret})
    return 0


def _disable_client(settings: Settings, args: argparse.Namespace) -> int:
    async def disable(services: "Services") -> Any:  # noqa: ANN401
        return await services.clients.disable(args.client_id, actor="cli")

    _run(settings, disable)
    _print({"clientId": args.client_id, "disabled": True})
    return 0


def _rotate_keys(settings: Settings, args: argparse.Namespace) -> int:
    async def rotate(services: "Services") -> Any:  # noqa: ANN401
        return await services.issuers.rotate_keys(args.issuer, actor="cli")

    _print({"issuer": args.issuer, "verificationMethods": _run(settings, rotate)})
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from service.app import create_app
    from service.export import write_openapi, write_sdl

    print(write_openapi(create_app(settings)), file=sys.stderr)  # noqa: T201
    print(write_sdl(), file=sys.stderr)  # noqa: T201
    return 0


def _run(settings: Settings, action: "Callable[[Services], Awaitable[Any]]") -> Any:  # noqa: ANN401
    """Run `action` on the services of one write unit, with a runtime of its own."""
    from service.runtime import Runtime

    async def run() -> Any:  # noqa: ANN401
        runtime = Runtime.build(settings)
        try:
            async with runtime.write() as services:
                return await action(services)
        finally:
            await runtime.close()

    return asyncio.run(run())


def _print(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
