"""GraphiQL offline: Strawberry's GraphiQL page with its scripts and styles served by Insigne.

Strawberry's page loads React, GraphiQL and its explorer plugin from unpkg.com, so it is blank
without the internet. The same files, pinned in ``schema/graphiql/package.json`` (installed by
``make graphiql``, which ``make run`` runs), are served at ``/graphql/assets/<package>@<version>/
<file>``; the page keeps Strawberry's ``integrity`` hashes, so the browser checks them byte for
byte. Only the files the page names are served.
"""

import re
from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler
from strawberry.http.ides import get_graphql_ide_html

HERE = Path(__file__).parent
NODE_MODULES = HERE / "node_modules"
ASSETS_PATH = "/graphql/assets"
_CDN = re.compile(r"https://unpkg\.com/((@?[^@\"/]+(?:/[^@\"/]+)?)@([^/\"]+)/([^\"]+))")
_MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_MISSING = (
    "<!doctype html><html lang='en'><meta charset='utf-8'><title>GraphiQL</title>"
    "<p>GraphiQL's files are not installed: run <code>make graphiql</code> "
    "(<code>npm ci</code> in <code>schema/graphiql</code>). The API itself works: "
    "POST /graphql.</p></html>"
)


@cache
def assets() -> dict[str, tuple[Path, str]]:
    """``<package>@<version>/<file>`` → the installed file and the version installed."""
    found: dict[str, tuple[Path, str]] = {}
    for asset, package, _version, file in _CDN.findall(get_graphql_ide_html("graphiql")):
        found[asset] = (NODE_MODULES / package / file, package)
    return found


def offline_html() -> str:
    """Strawberry's GraphiQL page pointing at Insigne's copies (or how to install them)."""
    if not all(path.is_file() for path, _ in assets().values()):
        return _MISSING
    return _CDN.sub(rf"{ASSETS_PATH}/\1", get_graphql_ide_html("graphiql"))


@get(f"{ASSETS_PATH}/{{asset:path}}", include_in_schema=False, sync_to_thread=False)
def graphiql_asset(asset: FromPath[str]) -> Response[bytes]:
    """One of the files the GraphiQL page names; nothing else under node_modules."""
    found = assets().get(asset.lstrip("/"))
    if found is None or not found[0].is_file():
        raise NotFoundException("no such GraphiQL asset")
    path = found[0]
    return Response(
        path.read_bytes(),
        media_type=_MEDIA.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=86400"},
    )


ROUTES: list[ControllerRouterHandler] = [graphiql_asset]
