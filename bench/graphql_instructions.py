"""Instructions per GraphQL portfolio query, served, counted by callgrind: against a revision.

This VM's speed moves by up to 1.5x within an hour, so a few percent of CPU cannot be told
from noise by timing (`graphql_portfolio.py`). Instructions can: valgrind's callgrind counts
the user-space instructions the server executes, the same count for the same code and data
whatever the machine is doing. The script builds one PostgreSQL database as
`graphql_portfolio.py` does (100,000 credentials, a learner with 100), then, for this tree and
for the revision given with ``--against`` (checked out in a temporary git worktree, removed
after), starts ``insigne serve`` under callgrind with instrumentation off, sends a few queries
to warm it, counts the instructions of ``--queries`` full portfolio queries (instrumentation
on for them only), and prints instructions per query for both and their ratio. Kernel work
(sockets) and PostgreSQL are not counted; nor is time: fewer instructions need not mean
proportionally less CPU.

Run with ``uv run --frozen python bench/graphql_instructions.py --against <revision>
[--queries N]`` (needs valgrind: ``apt-get install valgrind``). Each server takes about a
minute under callgrind.
"""

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.callgrind import require_tools, under_callgrind, worktree
from bench.graphql_portfolio import (
    QUERY,
    READER_SCOPES,
    api_client,
    fill_credentials,
    get_token,
    issue_template,
)
from bench.server import (
    HOST,
    POSTGRES_URL,
    ROOT,
    database,
    free_port,
    insigne,
    server,
    server_env,
    wait_until_ready,
)

WARM_UP = 5


def main(postgres_url: str, against: str, queries: int) -> None:
    require_tools()
    with (
        tempfile.TemporaryDirectory(prefix="insigne-instructions-") as tmp,
        database(Path(tmp), is_sqlite=False, postgres_url=postgres_url) as url,
        worktree(against, Path(tmp) / "against") as other,
    ):
        env, reader, email = _load(url, Path(tmp))
        counts = {}
        for name, tree in (("this tree", ROOT), (against, other)):
            counts[name] = _instructions(tree, env, reader, email, queries, Path(tmp))
            print(f"{name:>20}: {counts[name] / 1e6:8.2f} M instructions per query", flush=True)
        ratio = counts["this tree"] / counts[against]
        print(f"this tree / {against}: {ratio:.3f}x ({queries} full queries of 100 badges each)")


def _load(url: str, tmp: Path) -> tuple[dict[str, str], dict[str, str], str]:
    """The database migrated, the demo and a reader loaded, 100,000 credentials in bulk."""
    port = free_port()
    env = server_env(url, tmp, port)
    insigne(env, "db", "upgrade")
    demo = json.loads(insigne(env, "demo"))
    reader = api_client(env, "Portfolio", READER_SCOPES)
    with server(env, 1, port, tmp / "load.log") as process:
        base_url = f"http://{HOST}:{port}"
        wait_until_ready(base_url, process)

        async def fill() -> str:
            engine = create_async_engine(url)
            try:
                async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
                    template = await issue_template(http, demo["clientId"], demo["clientSecret"])
                emails = await fill_credentials(engine, template)
            finally:
                await engine.dispose()
            return emails[100]

        email = asyncio.run(fill())
    return env, reader, email


def _instructions(
    tree: Path,
    env: dict[str, str],
    reader: dict[str, str],
    email: str,
    queries: int,
    tmp: Path,
) -> int:
    """Instructions `tree`'s server executes for `queries` full portfolio queries."""
    port = free_port()
    served = {**env, "PYTHONPATH": str(tree), "INSIGNE_PUBLIC_URL": f"http://{HOST}:{port}"}
    command = [sys.executable, "-m", "service", "serve", "--host", HOST, "--port", str(port)]
    with under_callgrind(command, served, tree, tmp, f"serve.{port}") as counted:
        base_url = f"http://{HOST}:{port}"
        wait_until_ready(base_url, counted.process, timeout=600)

        async def run() -> None:
            async with httpx.AsyncClient(base_url=base_url, timeout=300) as http:
                token = await get_token(http, reader["clientId"], reader["clientSecret"])
                http.headers["Authorization"] = f"Bearer {token}"
                body = {"query": QUERY, "variables": {"e": email}}
                for _ in range(WARM_UP):
                    await _query(http, body)
                with counted.counting():
                    for _ in range(queries):
                        await _query(http, body)

        asyncio.run(run())
    return counted.total() // queries


async def _query(http: httpx.AsyncClient, body: dict[str, Any]) -> None:
    answer = (await http.post("/graphql", json=body)).json()
    if answer.get("errors") or not answer.get("data"):
        raise SystemExit(f"the query failed: {str(answer)[:300]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="a git revision to compare with")
    parser.add_argument("--queries", type=int, default=10, help="queries counted per server")
    parser.add_argument("--url", default=POSTGRES_URL, help="the PostgreSQL server's")
    arguments = parser.parse_args()
    main(arguments.url, arguments.against, arguments.queries)
