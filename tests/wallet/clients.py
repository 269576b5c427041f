"""The npm wallet clients (``wallets.mjs``): installed with ``npm ci`` from this folder's lock.

Installed like the interop harness (tests/interop/dbstack.py): when node_modules is missing or
older than package-lock.json, under a file lock so parallel sessions do not race.
"""

import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

WALLET_DIR = Path(__file__).resolve().parent
SCRIPT = WALLET_DIR / "wallets.mjs"
LOCKFILE = WALLET_DIR / "package-lock.json"
INSTALL_STAMP = WALLET_DIR / "node_modules" / ".package-lock.json"
INSTALL_TIMEOUT = 600.0


class WalletClientError(RuntimeError):
    """node or npm is missing, the install failed, or a client run failed."""


def ensure_installed() -> str:
    """``npm ci`` when needed; the path of ``node``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise WalletClientError("the wallet clients need Node.js >= 20 and npm on PATH")
    with LOCKFILE.open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = (
            INSTALL_STAMP.is_file() and INSTALL_STAMP.stat().st_mtime >= LOCKFILE.stat().st_mtime
        )
        if not current:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=WALLET_DIR,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
            if done.returncode != 0:
                raise WalletClientError(f"npm ci failed:\n{(done.stdout + done.stderr)[-4000:]}")
    return node


def run_client(*args: str, timeout: float = 120.0) -> dict[str, Any]:
    """Run ``node wallets.mjs ARGS``; its JSON output."""
    node = ensure_installed()
    done = subprocess.run(
        [node, str(SCRIPT), *args],
        cwd=WALLET_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise WalletClientError(f"wallets.mjs {args[0]} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result
