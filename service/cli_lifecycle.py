"""Command-line operations on credentials, keys and webhooks, run as the operator.

``insigne credentials revoke|suspend|reinstate ID --reason …``, ``insigne keys compromise``,
``insigne keys rotate-kek`` and ``insigne worker``; the operator administers every issuer
(the visibility policy's operator viewer).

``rotate-kek`` re-encrypts every private key and webhook secret in one transaction. The old
key-encryption key is the one the service runs with; the new one is
``INSIGNE_NEW_KEY_ENCRYPTION_KEY`` (32 bytes, base64) or a random one. When the service reads
its key from a file (``INSIGNE_KEY_ENCRYPTION_KEY_FILE``, or the development file), that file
becomes the ring "new, old" before the transaction: running processes re-read it when a key
no longer opens, and keep working without a restart (the old key leaves the ring at the next
rotation). With ``INSIGNE_KEY_ENCRYPTION_KEY`` in the environment, or ``--new-key-file``, the
new key is written to a file of its own: set it on every process and restart them (until
then ``/ready`` answers 503 on a process left with the old key).
"""

import argparse
import asyncio
import base64
import json
import secrets
import shutil
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.settings import Settings, read_key_ring, write_key_ring

if TYPE_CHECKING:
    from service.domain.credentials.lifecycle import StatusChange
    from service.runtime import Services

_NEW_KEK = "INSIGNE_NEW_KEY_ENCRYPTION_KEY"


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


def add_key_commands(keys: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register ``keys compromise`` and ``keys rotate-kek``."""
    compromise = keys.add_parser("compromise", help="refuse a key's proofs from a date on")
    compromise.add_argument("--issuer", required=True, help="the issuer's slug")
    compromise.add_argument("--key", required=True, help="the key's name, e.g. key-ed25519-1")
    compromise.add_argument(
        "--since", required=True, type=datetime.fromisoformat, help="RFC 3339, with a zone"
    )
    compromise.set_defaults(run=_compromise)
    kek = keys.add_parser("rotate-kek", help="re-encrypt every sealed secret with a new KEK")
    kek.add_argument(
        "--new-key-file", type=Path, help=f"where to write a new KEK if {_NEW_KEK} is unset"
    )
    kek.set_defaults(run=_rotate_kek)


def _compromise(settings: Settings, args: argparse.Namespace) -> int:
    async def mark(services: "Services") -> Any:  # noqa: ANN401
        return await services.keys.compromise(args.issuer, args.key, args.since, actor="cli")

    _print({"issuer": args.issuer, "verificationMethods": run_as_operator(settings, mark)})
    return 0


def _rotate_kek(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.clients.audit import record_event
    from service.domain.issuers.kek import reencrypt_all
    from service.domain.issuers.keyvault import KeyVault
    from service.runtime import Runtime

    ring_file = settings.key_encryption_key_file if args.new_key_file is None else None
    old_ring = read_key_ring(ring_file) if ring_file is not None else (settings.key_encryption_key,)
    written: Path | None = None
    if _NEW_KEK in args.env:
        new_key = base64.b64decode(args.env[_NEW_KEK], validate=True)
    else:
        new_key = secrets.token_bytes(32)
    if len(new_key) != 32:
        raise SystemExit(f"{_NEW_KEK} must be 32 bytes, base64-encoded")
    if ring_file is not None:
        # Before anything changes, so a crash cannot lose it, and so running processes, which
        # re-read the ring when they cannot open a key, open old and new ciphertexts alike.
        shutil.copy2(ring_file, ring_file.with_name(ring_file.name + ".old"))
        write_key_ring(ring_file, (new_key, old_ring[0]))
        written = ring_file
    elif _NEW_KEK not in args.env:
        written = args.new_key_file or settings.data_dir / "key-encryption-key.new"
        write_key_ring(written, (new_key,))
    opener = KeyVault(old_ring[0], source=lambda: (*old_ring, new_key))

    async def rotate() -> Any:  # noqa: ANN401
        runtime = Runtime.build(settings)
        try:
            async with runtime.database.write() as session:
                done = await reencrypt_all(session, opener, KeyVault(new_key))
                await record_event(
                    session, actor="cli", action="keys.rotate-kek", subject="key-encryption-key"
                )
                return done
        finally:
            await runtime.close()

    done = asyncio.run(rotate())
    _print(
        {
            "issuerKeys": done.issuer_keys,
            "webhookSecrets": done.webhook_secrets,
            "newKeyFile": str(written) if written else None,
        }
    )
    return 0


_TARGETS = {"revoke": "revoked", "suspend": "suspended", "reinstate": "active"}


def _change_status(settings: Settings, args: argparse.Namespace) -> int:
    from service.pipelines.status_change import change_status
    from service.runtime import Runtime

    async def change() -> "StatusChange":
        runtime = Runtime.build(settings)
        try:
            return await change_status(
                runtime,
                None,
                args.credential_id,
                _TARGETS[args.action],
                args.reason,
                actor="cli",
                is_operator=True,
            )
        finally:
            await runtime.close()

    result = asyncio.run(change())
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
    from service.pipelines.webhook_worker import WebhookWorker
    from service.runtime import Runtime

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


def run_as_operator(settings: Settings, action: "Callable[[Services], Awaitable[Any]]") -> Any:  # noqa: ANN401
    """Run `action` on one operator write unit, with a runtime of its own."""
    from service.runtime import Runtime

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
