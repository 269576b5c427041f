"""One caller's slow badges beside another caller's flood of them: the wait each caller sees.

A badge the compiled canonical path does not know (here, a foreign badge whose evidence is a
clique of blank nodes: about 0.1 s of canonicalisation) is canonicalised on the library's two
worker threads. The script serves ``insigne serve`` (one process, SQLite, behind 127.0.0.1 as
a trusted proxy so that ``X-Forwarded-For`` names the caller), then, from this process:

* the baseline: caller B verifies such a badge alone, ``--alone`` times in a row;
* the flood: caller A sends ``--flood`` of them at once and, while they are under way, B sends
  ``--during`` of them one after another.

It prints B's wall time per request alone and during the flood (median and worst, and the
ratio of the medians), and A's, with how many of A's were refused (429: a caller may have 16
slow steps waiting, `openbadges.offload.MOST_WAITING`). With the threads handed out first
come, first served, B's first request during the flood waited for the whole flood; with turns
by caller it waits for one step per busy thread.

Run with ``uv run --frozen python bench/slow_verifications.py [--flood N] [--during N]``.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import (
    HOST,
    free_port,
    insigne,
    print_errors,
    server,
    server_env,
    wait_until_ready,
)
from openbadges.keys import generate_key_pair
from openbadges.signing import sign_credential
from tests.factories import explorer_credential

CALLER_A, CALLER_B = "203.0.113.1", "203.0.113.2"


def slow_badge(size: int = 14) -> dict[str, Any]:
    """A foreign badge off the compiled path: its evidence is a clique of `size` blank nodes."""
    key = generate_key_pair()
    signed = sign_credential(explorer_credential(key.controller), key)
    knows = "https://example.org/vocab#knows"
    signed["evidence"] = [
        {"@id": f"_:n{i}", knows: [{"@id": f"_:n{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]
    return signed


async def _verify(http: httpx.AsyncClient, caller: str, badge: dict[str, Any]) -> float:
    """One verification as `caller`; its wall time in milliseconds."""
    answered = await _try(http, caller, badge)
    if answered is None:
        raise SystemExit(f"{caller} was refused (429)")
    return answered


async def _try(http: httpx.AsyncClient, caller: str, badge: dict[str, Any]) -> float | None:
    """`_verify`, or None when refused with 429 (the caller's queue for the threads is full)."""
    started = time.perf_counter()
    response = await http.post(
        "/api/v1/verifications", json={"credential": badge}, headers={"X-Forwarded-For": caller}
    )
    if response.status_code == 429:
        return None
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.text[:300]}")
    return (time.perf_counter() - started) * 1000


def _line(name: str, times: list[float]) -> str:
    return f"{name:<28} median {statistics.median(times):7.0f} ms  worst {max(times):7.0f} ms"


async def _run(base_url: str, flood: int, during: int, alone: int) -> None:
    badges = [slow_badge() for _ in range(flood + 1)]
    limits = httpx.Limits(max_connections=flood + 4)
    async with httpx.AsyncClient(
        base_url=base_url, trust_env=False, timeout=120, limits=limits
    ) as http:
        for _ in range(3):  # warm up
            await _verify(http, CALLER_B, badges[-1])
        b_alone = [await _verify(http, CALLER_B, badges[-1]) for _ in range(alone)]
        a_flood = [asyncio.create_task(_try(http, CALLER_A, b)) for b in badges[:flood]]
        await asyncio.sleep(0.3)  # the flood reaches the threads' queue
        b_during = [await _verify(http, CALLER_B, badges[-1]) for _ in range(during)]
        a_answers = await asyncio.gather(*a_flood)
    a_times = [t for t in a_answers if t is not None]
    print(_line("B alone (baseline)", b_alone))
    print(_line(f"B during A's flood of {flood}", b_during) + "  each: ", end="")
    print(", ".join(f"{t:.0f}" for t in b_during))
    print(_line(f"A's flood of {flood}", a_times) + f"  ({flood - len(a_times)} refused: 429)")
    ratio = statistics.median(b_during) / statistics.median(b_alone)
    first = b_during[0] / statistics.median(b_alone)
    print(f"B during / B alone: median {ratio:.2f}x, first request {first:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=30, help="A's badges, sent at once")
    parser.add_argument("--during", type=int, default=5, help="B's badges, one after another")
    parser.add_argument("--alone", type=int, default=5, help="B's badges before the flood")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="insigne-slow-") as tmp:
        port, log = free_port(), Path(tmp) / "server.log"
        env = server_env(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", Path(tmp), port)
        env["INSIGNE_TRUSTED_PROXIES"] = HOST  # X-Forwarded-For names the caller
        insigne(env, "db", "upgrade")
        with server(env, 1, port, log) as process:
            base_url = f"http://{HOST}:{port}"
            try:
                wait_until_ready(base_url, process)
                asyncio.run(_run(base_url, args.flood, args.during, args.alone))
            except BaseException:
                print_errors(log)
                raise


if __name__ == "__main__":
    main()
