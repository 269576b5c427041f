"""The server under load: a database of its own, ``insigne serve``, stopped and dropped after.

Shared by the benchmarks (``http_load.py`` drives it from Python, ``wrk_load.py`` with wrk).
"""

import asyncio
import base64
import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: the server binds here and the load goes nowhere else
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
UNLIMITED = "1000000/minute"  # the bench measures the service, not its rate limiter
_SUCCESS = re.compile(r'HTTP/1\.1" 2\d\d ')  # uvicorn's access line for a success
TICKS = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def database(tmp: Path, *, is_sqlite: bool, postgres_url: str = POSTGRES_URL) -> Iterator[str]:
    """The URL of an empty database made for this run, dropped when the run ends."""
    if is_sqlite:
        yield f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        return
    name = f"insigne_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin(postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(False)
    finally:
        asyncio.run(admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def admin(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE and DROP DATABASE need that)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(database_url: str, tmp: Path, port: int) -> dict[str, str]:
    """The environment for every ``insigne`` command: fixed secrets, so workers agree."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("INSIGNE_")}
    return env | {
        # This tree's code, not the one the virtual environment's editable install points to
        # (a git worktree shares the main tree's .venv; without this it serves main's code).
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "INSIGNE_DATABASE_URL": database_url,
        "INSIGNE_DATA_DIR": str(tmp / "data"),
        "INSIGNE_PUBLIC_URL": f"http://{HOST}:{port}",
        "INSIGNE_KEY_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "INSIGNE_TOKEN_SECRET": base64.b64encode(secrets.token_bytes(32)).decode(),
        "INSIGNE_TOKEN_TTL_SECONDS": "3600",  # outlives the run
        "INSIGNE_RATE_LIMIT_ANONYMOUS": UNLIMITED,
        "INSIGNE_RATE_LIMIT_AUTHENTICATED": UNLIMITED,
        "INSIGNE_RATE_LIMIT_COMPLETIONS": UNLIMITED,  # production keeps its default, 1200/minute
    }


def command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("insigne")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "service", *args]


def insigne(env: dict[str, str], *args: str) -> str:
    """Run an ``insigne`` command to completion; returns its standard output."""
    done = subprocess.run(command(*args), env=env, cwd=ROOT, capture_output=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise SystemExit(f"insigne {' '.join(args)} failed with status {done.returncode}")
    return done.stdout.decode()


@contextlib.contextmanager
def server(
    env: dict[str, str], workers: int, port: int, log_path: Path, *extra: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``insigne serve`` in its own process group, stopped (and its workers) on exit."""
    serve = command("serve", "--host", HOST, "--port", str(port), "--workers", str(workers), *extra)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            serve, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers itself
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # A worker left behind would keep the database open: clear the group this script made.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_until_ready(base_url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, trust_env=False, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"the server stopped before it was ready ({server.returncode})")
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/ready").status_code == 200:
                    return
            time.sleep(0.2)
    raise SystemExit(f"the server at {base_url} was not ready within {timeout:.0f} s")


def _stat(process: Path) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command's name; None once the process is gone."""
    try:
        return (process / "stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def _cpu_ticks(fields: list[str]) -> int:
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5): utime, stime


def cpu_ticks(pid: int) -> int:
    """User + system CPU of one process, in clock ticks (0 once it is gone)."""
    fields = _stat(Path(f"/proc/{pid}"))
    return _cpu_ticks(fields) if fields else 0


def group_cpu_seconds(group: int) -> float:
    """User + system CPU of every process in the server's process group (its workers too)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        fields = _stat(entry) if entry.name.isdigit() else None
        if fields and int(fields[2]) == group:  # field 5 of proc(5), the process group id
            ticks += _cpu_ticks(fields)
    return ticks / TICKS


def print_errors(log: Path, limit: int = 8000) -> None:
    """The server's own account of what failed: its log without the access lines."""
    lines = log.read_text(errors="replace").splitlines()
    kept = "\n".join(line for line in lines if not _SUCCESS.search(line))
    sys.stderr.write(f"--- server log ({log.name}), last {limit} characters ---\n")
    sys.stderr.write(kept[-limit:] + "\n")
