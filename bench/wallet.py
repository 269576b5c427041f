"""Wallet pickups under load: 200 concurrent VC-API exchanges beside badge completions.

A served Insigne (``insigne serve``, a database made for the run: PostgreSQL, or SQLite with
``--sqlite``); the load comes from other processes: the Learner Credential Wallet's algorithm
on the DCC's libraries (tests/wallet/wallets.mjs, one node process running `--exchanges`
exchanges at once: interaction URL, DID Authentication with an Ed25519Signature2020
presentation, the badge), while this process posts completions (issuance) at the same time.
Both rates are reported for the same window: pickups per second beside completions per second.

Run with ``uv run --frozen python bench/wallet.py [--exchanges 200] [--sqlite] [--workers 1]``.
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import (
    HOST,
    POSTGRES_URL,
    database,
    free_port,
    insigne,
    print_errors,
    server,
    server_env,
    wait_until_ready,
)
from tests.service.factories import completion
from tests.wallet.clients import SCRIPT, WALLET_DIR, ensure_installed


async def _issue(
    client: httpx.AsyncClient,
    prefix: str,
    count: int,
    concurrency: int,
    ids: list[str],
    finished: list[float] | None = None,
) -> float:
    """Post `count` completions, `concurrency` at once; the seconds it took.

    Each new credential's id goes into `ids`, and the moment each answered into `finished`.
    """
    queue = list(range(count))
    started = time.perf_counter()

    async def worker() -> None:
        while queue:
            n = queue.pop()
            response = await client.post("/api/v1/completions", json=completion(f"{prefix}-{n}"))
            if response.status_code != 201:
                raise SystemExit(f"completion {n}: {response.status_code} {response.text[:300]}")
            ids.append(response.json()["id"])
            if finished is not None:
                finished.append(time.perf_counter())

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def _offers(client: httpx.AsyncClient, count: int) -> list[str]:
    """`count` badges, each with a fresh wallet offer: the interaction URLs."""
    ids: list[str] = []
    await _issue(client, "wallet", count, 8, ids)
    urls = []
    for credential_id in ids:
        made = await client.post(f"/api/v1/credentials/{credential_id}/wallet-offer")
        made.raise_for_status()
        urls.append(made.json()["interactionUrl"])
    return urls


async def _run(base: str, headers: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120, trust_env=False) as c:
        urls = await _offers(c, args.exchanges)
        node = ensure_installed()
        load = await asyncio.create_subprocess_exec(
            node,
            str(SCRIPT),
            "bench",
            str(len(urls)),
            str(args.exchanges),
            *urls,
            cwd=WALLET_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        started = time.perf_counter()
        finished: list[float] = []
        issuing = asyncio.create_task(
            _issue(c, "beside", args.completions, args.concurrency, [], finished)
        )
        out, err = await load.communicate()
        ended = time.perf_counter()
        pickups_window = ended - started
        during = sum(1 for moment in finished if moment <= ended)
        completions_seconds = await issuing
    if load.returncode != 0:
        raise SystemExit(f"the wallet load failed: {err.decode()[-3000:]}")
    result = json.loads(out)
    durations = sorted(result["durations"])
    done = len(durations)
    return {
        "exchanges": args.exchanges,
        "completed": done,
        "errors": result["errors"][:5],
        "error_count": len(result["errors"]),
        "pickup_seconds": round(result["seconds"], 2),
        "pickups_per_second": round(done / result["seconds"], 1),
        "pickup_p50_ms": round(statistics.median(durations)) if durations else None,
        "pickup_p95_ms": round(durations[int(0.95 * (done - 1))]) if durations else None,
        "completions": args.completions,
        "completion_seconds": round(completions_seconds, 2),
        "completions_per_second": round(args.completions / completions_seconds, 1)
        if args.completions
        else None,
        "window_seconds": round(pickups_window, 2),
        "completions_during_pickups": during,
        "completions_per_second_during_pickups": round(during / pickups_window, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=200)
    parser.add_argument("--completions", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8, help="completions in flight")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="insigne-bench-") as tmp,
        database(Path(tmp), is_sqlite=args.sqlite, postgres_url=args.postgres_url) as url,
    ):
        port = free_port()
        env = server_env(url, Path(tmp), port)
        insigne(env, "db", "upgrade")
        demo = json.loads(insigne(env, "demo"))
        base = f"http://{HOST}:{port}"
        log = Path(tmp) / "server.log"
        with server(env, args.workers, port, log) as process:
            try:
                wait_until_ready(base, process)
                token = httpx.post(
                    f"{base}/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(demo["clientId"], demo["clientSecret"]),
                    trust_env=False,
                ).json()["access_token"]
                report = asyncio.run(_run(base, {"Authorization": f"Bearer {token}"}, args))
            except BaseException:
                print_errors(log)
                raise
        report["database"] = "SQLite" if args.sqlite else "PostgreSQL"
        report["server_workers"] = args.workers
        print(json.dumps(report, indent=2))
        return 0 if report["completed"] == args.exchanges else 1


if __name__ == "__main__":
    raise SystemExit(main())
