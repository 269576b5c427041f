"""CPU of looking for an event's webhook subscribers, as other tenants add endpoints.

Every credential's event (issued, revoked, suspended…) looks for the endpoints that receive
it inside its own transaction. The script migrates a fresh PostgreSQL database, then times
`publish` for an issuer with no subscriber (in-process CPU, median of ``--runs``) with no
endpoint at all (the baseline) and after each step of other tenants' platforms, each with an
endpoint subscribed to every event of its own issuer; it prints each figure beside the
baseline. Flat is right: another tenant's endpoints are none of this issuer's business.

Run with ``uv run --frozen python bench/webhook_subscribers.py [--runs N] [--tenants N ...]``.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import POSTGRES_URL, database, free_port, insigne, server_env
from service.db.engine import Database
from service.db.tables import ClientRecord, WebhookEndpointRecord
from service.domain.clients.webhooks import EVENTS, publish


async def _bench(url: str, steps: list[int], runs: int) -> None:
    pool = Database.from_url(url)
    try:
        had, baseline = 0, 0.0
        for tenants in [0, *steps]:
            await _add_tenants(pool, had, tenants)
            had = tenants
            cost = await _publish_cpu(pool, runs)
            baseline = baseline or cost
            print(
                f"{tenants:>6} other tenants' endpoints: {cost * 1000:6.3f} ms of CPU per event"
                f"  ({cost / baseline:.2f}x the baseline with none)",
                flush=True,
            )
    finally:
        await pool.close()


async def _add_tenants(pool: Database, have: int, want: int) -> None:
    now = datetime.now(UTC)
    async with pool.write() as session:
        for n in range(have, want):
            client = uuid.uuid4()
            await session.execute(
                insert(ClientRecord).values(
                    id=client, client_id=f"autre-{n}", name=f"Plateforme {n}",
                    secret_hash="-",  # noqa: S106 - no secret: these clients never sign in
                    scopes=["credentials:read"], issuer_slugs=[f"autre-{n}"], created_at=now,
                )
            )  # fmt: skip
            await session.execute(
                insert(WebhookEndpointRecord).values(
                    client_id=client, url=f"https://autre-{n}.exemple/h", events=sorted(EVENTS),
                    encrypted_secret=b"-", created_at=now,
                )
            )  # fmt: skip


async def _publish_cpu(pool: Database, runs: int) -> float:
    times = []
    for _ in range(runs):
        async with pool.read() as session:  # rolled back: nothing is kept
            started = time.process_time()
            published = await publish(
                session,
                event="credential.issued",
                issuer_slug="ecole-sans-webhook",
                submitted_by=uuid.uuid4(),
                data={},
            )
            times.append(time.process_time() - started)
        if published:
            raise SystemExit(f"{published} deliveries for an issuer nobody follows")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--tenants", type=int, nargs="+", default=[30, 300, 1000])
    parser.add_argument("--url", default=POSTGRES_URL, help="the PostgreSQL server's")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        database(Path(tmp), is_sqlite=False, postgres_url=args.url) as url,
    ):
        insigne(server_env(url, Path(tmp), free_port()), "db", "upgrade")
        asyncio.run(_bench(url, args.tenants, args.runs))


if __name__ == "__main__":
    main()
