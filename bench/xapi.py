"""xAPI intake: latency from a learner's last statement to the badge, and statements/s.

In-process, through httpx's ASGI transport, as logstore_xapi sends (JSON arrays, HTTP Basic,
``X-Experience-API-Version: 1.0.3``), against a PostgreSQL database made for the run (or
SQLite with ``--sqlite``). Three runs:

1. latency: per learner, the three answers are posted, then the course's ``completed``
   alone; the badge is issued before that last POST answers, so its duration is the latency
   from the last statement to the badge (median and 95th percentile);
2. mapped throughput: learners' statements (3 answers and a completion each) in batches of
   30, logstore_xapi's default, every fourth statement making a badge;
3. unmapped throughput: Moodle's "viewed" statements, accepted and dropped.

Run with ``uv run --frozen python bench/xapi.py [--learners N] [--sqlite]``.
"""

import argparse
import asyncio
import base64
import copy
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import httpx
from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.batch import POSTGRES_URL, _database
from service.app import create_app
from service.db.engine import alembic_config
from service.domain.demo import ACHIEVEMENT_SLUG, load_demo
from service.runtime import Runtime
from service.settings import Settings
from tests.service.factories import ANSWERS
from tests.service.xapi_fixtures import answer, completed, fixture

COURSE = "http://www.example.org/course/view.php?id=7"
ITEMS = {
    key: f"http://www.example.org/mod/feedback/edit_item.php?id={n}"
    for n, key in enumerate(ANSWERS, 11)
}
BATCH = 30


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    with tempfile.TemporaryDirectory(prefix="insigne-bench-") as tmp:
        async with _database(args, Path(tmp)) as url:
            await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
            settings = Settings(
                database_url=url,
                data_dir=Path(tmp),
                key_encryption_key=secrets.token_bytes(32),
                token_secret=secrets.token_bytes(32),
                webhook_worker=False,
                rate_limit_completions="1000000/minute",
            )
            runtime = Runtime.build(settings)
            async with runtime.write() as services:
                demo = await load_demo(services)
            await runtime.close()
            app = create_app(settings)
            transport = httpx.ASGITransport(app=cast("Any", app))
            basic = base64.b64encode(f"{demo.client_id}:{demo.client_secret}".encode()).decode()
            headers = {"Authorization": f"Basic {basic}", "X-Experience-API-Version": "1.0.3"}
            async with (
                app.lifespan(),
                httpx.AsyncClient(
                    transport=transport, base_url="http://bench", timeout=600, headers=headers
                ) as client,
            ):
                await _map(client, demo.client_id, demo.client_secret)
                await _latency(client, args.learners // 4, backend)
                await _throughput(client, args.learners, backend)
                await _noise(client, args.learners * 4, backend)
    return 0


async def _map(client: httpx.AsyncClient, client_id: str, secret: str) -> None:
    token = (
        await client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
    ).json()["access_token"]
    response = await client.post(
        "/api/v1/xapi-mappings",
        json={"achievement": ACHIEVEMENT_SLUG, "completedActivity": COURSE, "answers": ITEMS},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()


def _learner(n: int, run: str) -> list[dict[str, Any]]:
    email = f"{run}{n}@css.qc.ca"
    answers = [answer(ITEMS[key], text, email) for key, text in ANSWERS.items()]
    return [*answers, completed(email, COURSE)]


async def _post(client: httpx.AsyncClient, statements: list[dict[str, Any]]) -> None:
    response = await client.post("/xapi/statements", json=statements)
    if response.status_code != 200:
        raise RuntimeError(response.text)


async def _latency(client: httpx.AsyncClient, learners: int, backend: str) -> None:
    timings = []
    for n in range(learners):
        *answers, last = _learner(n, "latency")
        await _post(client, answers)
        started = time.perf_counter()
        await _post(client, [last])
        timings.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(
        f"last statement to badge: median {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms over {learners} learners ({backend}, in-process)"
    )


async def _throughput(client: httpx.AsyncClient, learners: int, backend: str) -> None:
    statements = [s for n in range(learners) for s in _learner(n, "bulk")]
    started = time.perf_counter()
    for start in range(0, len(statements), BATCH):
        await _post(client, statements[start : start + BATCH])
    elapsed = time.perf_counter() - started
    print(
        f"mapped: {len(statements)} statements in {elapsed:.2f} s, "
        f"{len(statements) / elapsed:.0f} statements/s, {learners / elapsed:.1f} badges/s "
        f"(batches of {BATCH}, {backend}, in-process)"
    )


async def _noise(client: httpx.AsyncClient, count: int, backend: str) -> None:
    viewed = fixture("mod_feedback.course_module_viewed.viewing_feedback")[0]
    statements = [copy.deepcopy(viewed) for _ in range(count)]
    started = time.perf_counter()
    for start in range(0, len(statements), BATCH):
        await _post(client, statements[start : start + BATCH])
    elapsed = time.perf_counter() - started
    print(
        f"unmapped: {count} statements in {elapsed:.2f} s, {count / elapsed:.0f} statements/s "
        f"(accepted and dropped, {backend}, in-process)"
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
