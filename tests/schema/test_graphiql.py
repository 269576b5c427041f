"""GraphiQL offline: the page names Insigne's copies of its files, and they are the right bytes."""

import base64
import fcntl
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar

from schema.graphiql import HERE, NODE_MODULES
from tests.service.conftest import PUBLIC_URL, asgi

MakeApp = Callable[..., Litestar]
HTML = {"Accept": "text/html"}
_TAG = re.compile(r'(?:src|href)="(/graphql/assets/([^"]+))"\s+integrity="sha384-([^"]+)"')


def install_graphiql() -> None:
    """``npm ci`` in schema/graphiql when node_modules is missing or older than the lock."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install GraphiQL's files (schema/graphiql)")
    lock = HERE / "package-lock.json"
    with lock.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        stamp = NODE_MODULES / ".package-lock.json"
        if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
            subprocess.run(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                cwd=HERE,
                check=True,
                timeout=600,
            )


@pytest.fixture(scope="module")
def graphiql_installed() -> None:
    install_graphiql()


def _http(app: Litestar) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL)


@pytest.mark.usefixtures("graphiql_installed")
async def test_the_page_loads_every_file_from_insigne(make_app: MakeApp) -> None:
    async with _http(make_app(ide=True)) as http:
        page = await http.get("/graphql", headers=HTML)
        tags = _TAG.findall(page.text)
        files = {name: await http.get(url) for url, name, _ in tags}

    assert page.status_code == 200
    assert "unpkg.com" not in page.text
    assert "https://" not in re.sub(r'"http://www\.w3\.org[^"]*"', "", page.text)
    assert {name.split("/")[0] for _, name, _ in tags} == {
        "react@18.2.0",
        "react-dom@18.2.0",
        "js-cookie@3.0.5",
        "graphiql@3.8.3",
        "@graphiql",
    }
    for url, name, digest in tags:
        response = files[name]
        assert response.status_code == 200, url
        assert base64.b64encode(hashlib.sha384(response.content).digest()).decode() == digest
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(kind)


@pytest.mark.usefixtures("graphiql_installed")
def test_the_installed_versions_are_the_ones_the_page_names() -> None:
    for package, version in (
        ("graphiql", "3.8.3"),
        ("react", "18.2.0"),
        ("react-dom", "18.2.0"),
        ("js-cookie", "3.0.5"),
        ("@graphiql/plugin-explorer", "1.0.2"),
    ):
        installed = json.loads((NODE_MODULES / package / "package.json").read_text())
        assert installed["version"] == version, package


@pytest.mark.usefixtures("graphiql_installed")
async def test_only_the_files_the_page_names_are_served(make_app: MakeApp) -> None:
    async with _http(make_app(ide=True)) as http:
        others = [
            await http.get(f"/graphql/assets/{name}")
            for name in (
                "react@18.2.0/package.json",
                "graphiql@3.8.3/../../package-lock.json",
                "graphiql@3.8.3/graphiql.js",
                "%2e%2e/%2e%2e/__init__.py",
            )
        ]
    async with _http(make_app(ide=False)) as http:
        off = await http.get("/graphql/assets/graphiql@3.8.3/graphiql.min.js")

    assert [r.status_code for r in others] == [404] * len(others)
    assert off.status_code == 404
