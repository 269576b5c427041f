"""Counting a server's instructions with valgrind's callgrind, for the instruction benches.

Instructions, unlike seconds, are the same for the same code and data whatever else the VM is
doing. A server is started under callgrind with instrumentation off; `Counted.counting` turns
it on around the requests to count, and `Counted.total` sums what the server dumped once it
stopped. Kernel work (sockets) and PostgreSQL are not counted.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.server import ROOT


def require_tools() -> None:
    for tool in ("valgrind", "callgrind_control", "git"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (apt-get install valgrind git)")


@contextlib.contextmanager
def worktree(revision: str, path: Path) -> Iterator[Path]:
    """`revision` checked out at `path` (a detached git worktree), removed on exit."""
    add = ["git", "worktree", "add", "--detach", "--quiet", str(path), revision]
    subprocess.run(add, cwd=ROOT, check=True)
    try:
        yield path
    finally:
        remove = ["git", "worktree", "remove", "--force", str(path)]
        subprocess.run(remove, cwd=ROOT, check=False)


@dataclass
class Counted:
    """A process started under callgrind, its instrumentation off until `counting`."""

    process: subprocess.Popen[bytes]
    out_dir: Path
    name: str

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        """Instructions are counted inside the block only."""
        _control(self.process.pid, "-i", "on")
        try:
            yield
        finally:
            _control(self.process.pid, "-i", "off")
            _control(self.process.pid, "--dump")

    def total(self) -> int:
        """Instructions counted, once the process has stopped (its dumps summed)."""
        return sum(_totals(path) for path in self.out_dir.glob(f"callgrind.{self.name}.out*"))


@contextlib.contextmanager
def under_callgrind(
    command: list[str], env: dict[str, str], cwd: Path, out_dir: Path, name: str
) -> Iterator[Counted]:
    """`command` run under callgrind in a process group of its own, stopped on exit."""
    out = out_dir / f"callgrind.{name}.out"
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    with (out_dir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [*valgrind, *command], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield Counted(process, out_dir, name)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
        time.sleep(0.5)


def _control(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True)


def _totals(path: Path) -> int:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    return 0
