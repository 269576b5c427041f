"""Bulk issuance throughput: credentials per second for one batch of 1,000 completions.

In-process: the app is called through httpx's ASGI transport (JSON parsing, validation,
signing with Ed25519 and RS256, storing, answering), against a PostgreSQL database made for
the run (or SQLite with ``--sqlite``), dropped at the end. The same batch is then posted
again, which issues nothing and answers every item from the first run (200).
Run with ``uv run --frozen python bench/batch.py [--size N] [--sqlite]``.
"""

import argparse
import asyncio
import base64
import contextlib
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import httpx
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.app import create_app
from service.db.engine import alembic_config
from service.domain.demo import load_demo
from service.runtime import Runtime
from service.settings import Settings
from tests.service.factories import completion

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="insigne-bench-") as tmp:
        async with _database(args, Path(tmp)) as url:
            await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
            settings = Settings(
                database_url=url,
                data_dir=Path(tmp),
                key_encryption_key=secrets.token_bytes(32),
                token_secret=secrets.token_bytes(32),
                webhook_worker=False,
            )
            runtime = Runtime.build(settings)
            async with runtime.write() as services:
                demo = await load_demo(services)
            await runtime.close()
            app = create_app(settings)
            transport = httpx.ASGITransport(app=cast("Any", app))
            async with (
                app.lifespan(),
                httpx.AsyncClient(
                    transport=transport, base_url="http://bench", timeout=600
                ) as client,
            ):
                basic = base64.b64encode(f"{demo.client_id}:{demo.client_secret}".encode()).decode()
                token = (
                    await client.post(
                        "/oauth/token",
                        data={"grant_type": "client_credentials"},
                        headers={"Authorization": f"Basic {basic}"},
                    )
                ).json()["access_token"]
                body = {"completions": [_item(n) for n in range(args.size)]}
                for label, expected in (("first post", 201), ("posted again", 200)):
                    started = time.perf_counter()
                    response = await client.post(
                        "/api/v1/completions/batch",
                        json=body,
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    elapsed = time.perf_counter() - started
                    statuses = [item["status"] for item in response.json()["results"]]
                    ok = statuses.count(expected)
                    backend = "SQLite" if args.sqlite else "PostgreSQL"
                    print(
                        f"{label}: {ok}/{args.size} answered {expected} in {elapsed:.2f} s, "
                        f"{ok / elapsed:.0f} credentials/s ({backend}, in-process)"
                    )
    return 0


def _item(n: int) -> dict[str, Any]:
    return completion(
        f"bench-{n}", learner={"email": f"leader{n}@css.qc.ca", "name": f"Leader {n}"}
    )


@contextlib.asynccontextmanager
async def _database(args: argparse.Namespace, tmp: Path) -> AsyncIterator[str]:
    if args.sqlite:
        yield f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        return
    name = f"insigne_bench_{uuid.uuid4().hex[:12]}"
    await _admin(args.postgres_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(args.postgres_url).set(database=name).render_as_string(False)
    finally:
        await _admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
