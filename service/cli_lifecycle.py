"""Command-line operations on credentials and webhooks, run as the operator.

``insigne credentials revoke|suspend|reinstate ID --reason …`` and ``insigne worker``; the
operator administers every issuer (the visibility policy's operator viewer).
"""

import argparse
import asyncio
import json
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from service.runtime import Runtime, Services
from service.settings import Settings
from service.webhook_worker import WebhookWorker


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register the ``credentials`` and ``worker`` commands."""
    credentials = commands.add_parser("credentials", help="change a credential's status")
    actions = credentials.add_subparsers(dest="credentials_command", required=True)
    for action, text in (
        ("revoke", "revoke a credential for good"),
        ("suspend", "suspend a credential until it is reinstated"),
        ("reinstate", "lift a suspension"),
    ):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("credential_id", type=uuid.UUID, metavar="ID")
        parser.add_argument("--reason", required=True)
        parser.set_defaults(run=_change_status, action=action)
    worker = commands.add_parser("worker", help="deliver webhooks until stopped (SIGTERM)")
    worker.add_argument("--idle-seconds", type=float, default=1.0)
    worker.set_defaults(run=_worker)


def _change_status(settings: Settings, args: argparse.Namespace) -> int:
    async def change(services: Services) -> Any:  # noqa: ANN401
        method = getattr(services.lifecycle, args.action)
        return await method(args.credential_id, args.reason, actor="cli")

    result = run_as_operator(settings, change)
    _print(
        {
            "id": str(result.credential_id),
            "status": result.status,
            "reason": result.reason,
            "changedAt": result.changed_at.isoformat() if result.changed_at else None,
            "changed": result.is_changed,
        }
    )
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> None:
        runtime = Runtime.build(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await WebhookWorker(runtime).run(stop, idle_seconds=args.idle_seconds)
        finally:
            await runtime.close()

    asyncio.run(work())
    return 0


def run_as_operator(settings: Settings, action: Callable[[Services], Awaitable[Any]]) -> Any:  # noqa: ANN401
    """Run `action` on one operator write unit, with a runtime of its own."""

    async def run() -> Any:  # noqa: ANN401
        runtime = Runtime.build(settings)
        try:
            async with runtime.write(is_operator=True) as services:
                return await action(services)
        finally:
            await runtime.close()

    return asyncio.run(run())


def _print(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
