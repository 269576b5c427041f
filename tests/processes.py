"""Real processes for the tests (``insigne serve``, nginx, workers): started, awaited, stopped by id."""

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def uv() -> str:
    """uv, as the Makefile finds it (on PATH, or where ``pip install --user`` puts it)."""
    found = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    assert Path(found).exists(), "uv is needed (make install puts it in ~/.local/bin)"
    return found


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without any INSIGNE_ setting or virtualenv, plus `settings`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("INSIGNE_", "VIRTUAL_ENV", "UV_", "PYTHON"))
    }
    return env | settings


@contextlib.contextmanager
def running(
    args: list[str], env: dict[str, str], cwd: Path, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A process in a session of its own, stopped with SIGTERM (then its group killed)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_for(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0
) -> httpx.Response:
    """GET `url` until it answers 200; fails with the process's log when it never does."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            response = httpx.get(url, timeout=5, trust_env=False)
        except httpx.TransportError as error:
            last = error
        else:
            if response.status_code == 200:
                return response
            last = response
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-4000:]
    raise AssertionError(f"{url} never answered 200 (last: {last!r}); log:\n{tail}")


def insigne(*args: str) -> list[str]:
    """The checkout's ``insigne`` command line (the virtual environment's script)."""
    script = Path(sys.executable).with_name("insigne")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "service", *args]


def run(env: dict[str, str], *args: str) -> str:
    """Run an ``insigne`` command to completion; its standard output."""
    done = subprocess.run(insigne(*args), env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"insigne {' '.join(args)}: {done.stderr}"
    return done.stdout


def serve(port: int) -> list[str]:
    return insigne("serve", "--host", HOST, "--port", str(port))


def ensure_deploy_tools() -> None:
    """Debian's nginx and docker-compose, installed by the project's script when missing."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "ensure-deploy-tools.sh"
    subprocess.run(["/bin/sh", str(script)], check=True, timeout=900)


def postgres_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL")
    if url is None:
        if os.environ.get("INSIGNE_REQUIRE_POSTGRES") == "1":
            pytest.fail("INSIGNE_REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
        pytest.skip("the topology runs on PostgreSQL (TEST_POSTGRES_URL)")
    return url


async def sql(url: str, statement: str, *, autocommit: bool = False) -> object:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT" if autocommit else None)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(statement))
            return result.scalar() if result.returns_rows else None
    finally:
        await engine.dispose()


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """A PostgreSQL database of its own (the processes share it), dropped after."""
    url = postgres_url()
    name = f"insigne_topology_{uuid.uuid4().hex[:12]}"
    asyncio.run(sql(url, f'CREATE DATABASE "{name}"', autocommit=True))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', autocommit=True))
