"""``python -m openbadges``: keys, signing, verification and baking for people at a terminal.

Every command reads a file or ``-`` (standard input), prints JSON (or a JWT) on standard
output and messages on standard error. ``verify`` exits 0 only when the credential verified.
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

import msgspec

from openbadges.baking import bake, extract
from openbadges.errors import OpenBadgesError
from openbadges.jsontypes import JSONObject, dumps, loads
from openbadges.keys import KeyPair, KeyType, generate_key_pair
from openbadges.proofs.jwt import sign_jwt
from openbadges.resolver import StaticResolver
from openbadges.schema import SchemaValidator
from openbadges.signing import sign_credential
from openbadges.verification import verify
from openbadges.verification.wording import LANGUAGES

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (OpenBadgesError, OSError, ValueError, msgspec.DecodeError) as error:
        print(f"openbadges {args.command}: {error}", file=sys.stderr)  # noqa: T201 - the CLI's voice
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m openbadges", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser("keygen", help="print a new key file")
    keygen.add_argument("--type", choices=get_args(KeyType), default="ed25519")
    keygen.add_argument(
        "--controller", help="the controller (issuer) URL or DID; did:key by default"
    )
    keygen.add_argument("--vm-id", help="the verification method id; derived by default")
    keygen.set_defaults(run=_keygen)

    sign = commands.add_parser("sign", help="sign a credential")
    sign.add_argument("credential", help="the unsigned credential (JSON), or - for stdin")
    sign.add_argument("--key", required=True, type=Path, help="a key file from keygen")
    sign.add_argument("--created", help="the proof's created time (ISO 8601); now by default")
    sign.add_argument("--format", choices=["di", "jwt"], default="di")
    sign.set_defaults(run=_sign)

    check = commands.add_parser("verify", help="verify a credential, JWT or baked image")
    check.add_argument("file", help="JSON-LD credential, VC-JWT, or baked PNG/SVG; - for stdin")
    check.add_argument(
        "--key-doc",
        action="append",
        default=[],
        metavar="[URL=]DOC.json",
        help="a document the verifier may look up (controller document, status list, OB 2.0 "
        "issuer, key or assertion), served under its id, or under URL when given",
    )
    check.add_argument("--lang", choices=LANGUAGES, default="en", help="the report's language")
    check.add_argument("--now", help="the verification time (ISO 8601); now by default")
    check.add_argument("--email", help="check that the badge was awarded to this address")
    check.add_argument("--schema", type=Path, help="1EdTech's OB 3.0 JSON Schema file")
    check.set_defaults(run=_verify)

    baking = commands.add_parser("bake", help="bake a credential into a PNG or SVG")
    baking.add_argument("image", help="the PNG or SVG image, or - for stdin")
    baking.add_argument("--credential", required=True, help="the signed credential (JSON or JWT)")
    baking.add_argument("-o", "--output", required=True, type=Path)
    baking.set_defaults(run=_bake)

    extraction = commands.add_parser("extract", help="print the credential baked into an image")
    extraction.add_argument("image", help="the PNG or SVG image, or - for stdin")
    extraction.set_defaults(run=_extract)
    return parser


def _keygen(args: argparse.Namespace) -> int:
    key = generate_key_pair(args.type, controller=args.controller, vm_id=args.vm_id)
    _print_json(key.to_key_file())
    return 0


def _sign(args: argparse.Namespace) -> int:
    credential = _read_json(args.credential)
    key = KeyPair.from_key_file(loads(args.key.read_bytes()))
    if args.format == "jwt":
        sys.stdout.write(sign_jwt(credential, key) + "\n")
        return 0
    created = _datetime(args.created) if args.created else datetime.now(UTC)
    _print_json(sign_credential(credential, key, created=created))
    return 0


def _verify(args: argparse.Namespace) -> int:
    documents = dict(_key_document(argument) for argument in args.key_doc)
    result = asyncio.run(
        verify(
            _read_bytes(args.file),
            resolver=StaticResolver(documents),
            now=_datetime(args.now) if args.now else datetime.now(UTC),
            recipient=args.email,
            schema=SchemaValidator.from_file(args.schema) if args.schema else None,
        )
    )
    _print_json(result.to_json(args.lang))
    print("verified" if result.verified else "NOT verified", file=sys.stderr)  # noqa: T201
    return 0 if result.verified else 1


def _key_document(argument: str) -> tuple[str, JSONObject]:
    """``FILE`` (served under its id) or ``URL=FILE`` (served at URL, whatever its id)."""
    url, separator, name = argument.partition("=")
    if not separator or not url.startswith(("http://", "https://", "did:", "urn:")):
        url, name = "", argument  # a bare file name (which may hold "=")
    document = loads(Path(name).read_bytes())
    if not isinstance(document, dict):
        raise ValueError(f"{name} is not a JSON object")
    if url:
        return url, document
    if not isinstance(document.get("id"), str):
        raise ValueError(f"{argument} has no id: give the URL it is served at, as URL=FILE")
    return document["id"], document


def _bake(args: argparse.Namespace) -> int:
    raw = _read_bytes(args.credential).decode("utf-8").strip()
    credential: JSONObject | str = loads(raw) if raw.startswith("{") else raw
    args.output.write_bytes(bake(_read_bytes(args.image), credential))
    return 0


def _extract(args: argparse.Namespace) -> int:
    credential = extract(_read_bytes(args.image))
    if isinstance(credential, str):
        sys.stdout.write(credential + "\n")
    else:
        _print_json(credential)
    return 0


def _read_bytes(name: str) -> bytes:
    return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()


def _read_json(name: str) -> JSONObject:
    document = loads(_read_bytes(name))
    if not isinstance(document, dict):
        raise ValueError("the credential must be a JSON object")
    return document


def _datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} needs a time zone, e.g. 2026-11-21T16:42:00Z")
    return moment


def _print_json(document: object) -> None:
    sys.stdout.write(msgspec.json.format(dumps(document), indent=2).decode() + "\n")
