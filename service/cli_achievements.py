"""``insigne achievements list|show|create|update|archive|set-image``, run as the operator.

Definitions go in and out as the REST API's JSON (``POST /api/v1/achievements`` body for
``create``, the ``PATCH`` body for ``update``), read from ``--file`` (``-``: standard input)
with the same strict rules; every change is audited with the actor ``cli``.
"""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from service.cli_lifecycle import run_as_operator
from service.domain.errors import FieldProblem, InvalidInput, MalformedBody
from service.domain.texts import Said
from service.settings import Settings

if TYPE_CHECKING:
    from service.domain.catalogue.achievements import Achievement
    from service.runtime import Services

T = TypeVar("T")


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register ``achievements`` and its sub-commands."""
    parser = commands.add_parser("achievements", help="administer achievements (badges)")
    actions = parser.add_subparsers(dest="achievements_command", required=True)
    actions.add_parser("list", help="every achievement, archived ones too").set_defaults(run=_list)
    for name, text, run in (
        ("show", "one achievement, by slug or id", _show),
        ("archive", "accept no new completion (badges still verify)", _archive),
    ):
        one = actions.add_parser(name, help=text)
        one.add_argument("achievement", help="slug or id")
        one.set_defaults(run=run)
    create = actions.add_parser("create", help="create from a JSON definition")
    create.add_argument("--file", required=True, help="the JSON definition; - for stdin")
    create.set_defaults(run=_create)
    update = actions.add_parser("update", help="a new version from a JSON patch")
    update.add_argument("achievement", help="slug or id")
    update.add_argument("--file", required=True, help="the JSON changes; - for stdin")
    update.set_defaults(run=_update)
    image = actions.add_parser("set-image", help="upload a PNG or SVG picture (a new version)")
    image.add_argument("achievement", help="slug or id")
    image.add_argument("--file", required=True, type=Path, help="a .png or .svg file")
    image.set_defaults(run=_set_image)


def _list(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.catalogue.achievement_json import AchievementOut

    async def run(services: "Services") -> Any:  # noqa: ANN401
        return await services.achievement_admin.achievements()

    _print([AchievementOut.from_domain(a) for a in run_as_operator(settings, run)])
    return 0


def _show(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.catalogue.achievement_json import AchievementOut

    async def run(services: "Services") -> "Achievement":
        return await services.achievement_admin.show(args.achievement)

    _print(AchievementOut.from_domain(run_as_operator(settings, run)))
    return 0


def _archive(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.catalogue.achievement_json import AchievementOut

    async def run(services: "Services") -> "Achievement":
        return await services.achievement_admin.archive(args.achievement, actor="cli")

    _print(AchievementOut.from_domain(run_as_operator(settings, run)))
    return 0


def _create(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.catalogue.achievement_json import AchievementIn, AchievementOut

    data = _read(args.file, AchievementIn)

    async def run(services: "Services") -> "Achievement":
        return await services.achievement_admin.create(data.issuer, data.to_domain(), actor="cli")

    _print(AchievementOut.from_domain(run_as_operator(settings, run)))
    return 0


def _update(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.catalogue.achievement_json import AchievementOut, AchievementPatchIn

    data = _read(args.file, AchievementPatchIn)

    async def run(services: "Services") -> "Achievement":
        return await services.achievement_admin.update(
            args.achievement, data.to_domain(), actor="cli"
        )

    _print(AchievementOut.from_domain(run_as_operator(settings, run)))
    return 0


def _set_image(settings: Settings, args: argparse.Namespace) -> int:
    from service.domain.catalogue.achievement_json import AchievementOut
    from service.domain.catalogue.images import PNG, SVG, accept_image

    path: Path = args.file
    kind = {".png": PNG, ".svg": SVG}.get(path.suffix.lower())
    if kind is None:
        raise InvalidInput([FieldProblem("file", Said("file-picture-suffix"))])
    image = accept_image(_bytes(path), kind)  # a command: no event loop to keep free

    async def run(services: "Services") -> "Achievement":
        return await services.achievement_admin.set_image(args.achievement, image, actor="cli")

    _print(AchievementOut.from_domain(run_as_operator(settings, run)))
    return 0


def _read(name: str, kind: type[T]) -> T:
    from service.domain.strict_json import decode_strict

    body = sys.stdin.buffer.read() if name == "-" else _bytes(Path(name))
    try:
        return decode_strict(body, kind)
    except MalformedBody as error:
        raise InvalidInput(
            [FieldProblem("file", Said("file-malformed", reason=error.said))]
        ) from None


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(
            [FieldProblem("file", Said("file-unreadable", reason=error.strerror))]
        ) from None


def _print(document: object) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(document), indent=2).decode() + "\n")
