"""Client generators run on openapi/openapi.json: PyPI openapi-python-client, npm @hey-api/openapi-ts.

Both are pinned (pyproject.toml's dev group; package.json and package-lock.json here) and
installed by the project's own files: ``npm ci`` runs on demand, under a lock, when
node_modules is missing or older than the lockfile.
"""

import fcntl
import shutil
import subprocess
import sys
from pathlib import Path

from service.export import OPENAPI_PATH

HERE = Path(__file__).resolve().parent
LOCKFILE = HERE / "package-lock.json"
NODE_MODULES = HERE / "node_modules"
INSTALL_STAMP = NODE_MODULES / ".package-lock.json"  # npm writes it at the end of an install
TIMEOUT = 600


class GeneratorError(RuntimeError):
    """A generator could not be installed or run."""


def run(command: list[str], cwd: Path) -> str:
    """Run a generator; its whole output (stdout and stderr), or an error with it."""
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise GeneratorError(f"{command[0]} failed ({done.returncode}):\n{output[-4000:]}")
    return output


def python_client(output: Path) -> str:
    """Generate the Python client into `output` (a package); returns what the tool said."""
    config = output.parent / "openapi-python-client.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: nothing to warn about
    tool = Path(sys.executable).with_name("openapi-python-client")
    return run(
        [str(tool), "generate", "--path", str(OPENAPI_PATH), "--meta", "none",
         "--output-path", str(output), "--config", str(config)],
        output.parent,
    )  # fmt: skip


def typescript_client(output: Path) -> str:
    """Generate the TypeScript client into `output`; returns what the tool said."""
    ensure_installed()
    tool = NODE_MODULES / ".bin" / "openapi-ts"
    return run([str(tool), "-i", str(OPENAPI_PATH), "-o", str(output)], HERE)


def typecheck(project: Path) -> str:
    """``tsc --noEmit`` in strict mode over a generated client."""
    return run([str(NODE_MODULES / ".bin" / "tsc"), "-p", str(project)], HERE)


def ensure_installed() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise GeneratorError("npm is not on PATH: the client tests need Node.js >= 20.19")
    with LOCKFILE.open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if INSTALL_STAMP.is_file() and INSTALL_STAMP.stat().st_mtime >= LOCKFILE.stat().st_mtime:
            return
        run([npm, "ci", "--no-audit", "--no-fund"], HERE)
