"""``insigne serve``: the servers it offers, and the pool's ping of idle connections."""

import asyncio
import gc

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from service.cli import _parser
from service.db.engine import Database, ping_when_idle
from service.serving import served_app
from tests.databases import ScratchDatabase


def test_serve_offers_uvicorn_by_default_and_granian() -> None:
    assert _parser().parse_args(["serve"]).server == "uvicorn"
    assert _parser().parse_args(["serve", "--server", "granian", "--workers", "2"]).workers == 2
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--server", "hypercorn"])


def test_the_served_app_freezes_start_up_objects_out_of_the_collector(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("INSIGNE_DATA_DIR", str(tmp_path))
    threshold = gc.get_threshold()
    try:
        served_app()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > threshold[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


async def test_a_connection_killed_while_idle_is_replaced(database: ScratchDatabase) -> None:
    if database.backend != "postgres":
        pytest.skip("SQLite has no server to lose the connection")
    ping_when_idle(database.engine, idle_seconds=0.2)
    pooled = Database(database.engine, owns_engine=False)
    async with pooled.write() as session:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
    admin = create_async_engine(database.url)  # another pool: it must not pick the victim
    try:
        async with admin.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()
    await asyncio.sleep(0.3)
    async with pooled.write() as session:
        assert await session.scalar(text("SELECT pg_backend_pid()")) != pid
