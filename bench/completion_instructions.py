"""Instructions per completion, served, counted by callgrind: beside the lean baseline.

`completion_cpu.py` times a completion's CPU, and this VM's speed moves by up to 1.5x within
an hour: a cut of a tenth cannot be told from noise by timing. Instructions can (see
`bench/callgrind.py`). On one fresh PostgreSQL database, the script starts ``insigne serve``
(this tree, and the revision given with ``--against`` in a temporary git worktree) and the
lean baseline (`bench/lean_completion.py`) each under callgrind, sends a few completions to
warm each (the status list starts, pools fill), then counts the instructions of
``--completions`` more, each a new learner and externalId, and prints instructions per
completion and the ratio to the lean baseline. Only the server's user-space instructions are
counted: PostgreSQL's work and the kernel's are not, so this is the server side of goal 1.

Run with ``uv run --frozen python bench/completion_instructions.py [--against <revision>]
[--completions N]`` (needs valgrind). Each server takes about a minute under callgrind.
"""

import argparse
import contextlib
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.callgrind import Counted, require_tools, under_callgrind, worktree
from bench.completion_cpu import platform_token
from bench.server import HOST, POSTGRES_URL, ROOT, database, free_port, insigne, server_env
from tests.service.factories import completion

WARM_UP = 10
LEAN = "lean baseline"


def main(postgres_url: str, against: str | None, completions: int) -> None:
    require_tools()
    with (
        tempfile.TemporaryDirectory(prefix="insigne-instructions-") as tmp,
        database(Path(tmp), is_sqlite=False, postgres_url=postgres_url) as url,
        contextlib.ExitStack() as stack,
    ):
        env = server_env(url, Path(tmp), free_port())
        insigne(env, "db", "upgrade")
        demo = json.loads(insigne(env, "demo"))
        trees = {"this tree": ROOT}
        if against:
            trees[against] = stack.enter_context(worktree(against, Path(tmp) / "against"))
        counts, token, issued_by = {}, "", ""
        for name, tree in trees.items():
            with _insigne(tree, env, Path(tmp)) as (counted, base_url):
                # A token is for the address that issued it; the lean baseline takes the last.
                token, issued_by = platform_token(base_url, demo, timeout=300), base_url
                _send(counted, base_url, token, completions)
            counts[name] = counted.total() // completions
            _print(name, counts[name])
        with _lean({**env, "INSIGNE_PUBLIC_URL": issued_by}, Path(tmp)) as (counted, base_url):
            _send(counted, base_url, token, completions)
        counts[LEAN] = counted.total() // completions
        _print(LEAN, counts[LEAN])
        for name in trees:
            print(f"{name} / {LEAN}: {counts[name] / counts[LEAN]:.3f}x")
        if against:
            print(f"this tree / {against}: {counts['this tree'] / counts[against]:.3f}x")
        print(f"({completions} completions counted per server, after {WARM_UP} to warm it)")


def _print(name: str, count: int) -> None:
    print(f"{name:>20}: {count / 1e6:8.2f} M instructions per completion", flush=True)


@contextlib.contextmanager
def _insigne(tree: Path, env: dict[str, str], tmp: Path) -> Iterator[tuple[Counted, str]]:
    port = free_port()
    served = {**env, "PYTHONPATH": str(tree), "INSIGNE_PUBLIC_URL": f"http://{HOST}:{port}"}
    command = [sys.executable, "-m", "service", "serve", "--host", HOST, "--port", str(port)]
    with under_callgrind(command, served, tree, tmp, f"serve.{port}") as counted:
        base_url = f"http://{HOST}:{port}"
        _wait(counted, base_url + "/ready")
        yield counted, base_url


@contextlib.contextmanager
def _lean(env: dict[str, str], tmp: Path) -> Iterator[tuple[Counted, str]]:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "bench.lean_completion:app",
        "--host", HOST, "--port", str(port), "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with under_callgrind(command, env, ROOT, tmp, f"lean.{port}") as counted:
        base_url = f"http://{HOST}:{port}"
        _wait(counted, base_url + "/api/v1/completions")
        yield counted, base_url


def _wait(counted: Counted, url: str) -> None:
    """Until `url` answers at all (callgrind starts a server in tens of seconds)."""
    with httpx.Client(trust_env=False, timeout=10) as http:
        for _ in range(1200):
            if counted.process.poll() is not None:
                raise SystemExit(f"{counted.name} stopped before it answered")
            with contextlib.suppress(httpx.HTTPError):
                http.get(url)
                return
            time.sleep(0.5)
    raise SystemExit(f"{counted.name} did not answer")


def _send(counted: Counted, base_url: str, token: str, completions: int) -> None:
    """Completions to warm the server, then `completions` more with their instructions counted."""
    with httpx.Client(base_url=base_url, trust_env=False, timeout=300) as http:
        run = uuid.uuid4().hex[:8]
        for n in range(WARM_UP):
            _complete(http, token, f"warm-{run}-{n}")
        with counted.counting():
            for n in range(completions):
                _complete(http, token, f"counted-{run}-{n}")


def _complete(http: httpx.Client, token: str, external_id: str) -> None:
    body = completion(external_id, learner={"email": f"{external_id}@exemple.qc.ca", "name": "M"})
    response = http.post(
        "/api/v1/completions", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    if response.status_code != 201:
        raise SystemExit(f"{response.status_code} {response.text[:300]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a git revision to compare with")
    parser.add_argument("--completions", type=int, default=20, help="counted per server")
    parser.add_argument("--url", default=POSTGRES_URL, help="the PostgreSQL server's")
    arguments = parser.parse_args()
    main(arguments.url, arguments.against, arguments.completions)
