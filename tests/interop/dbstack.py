"""Drive Digital Bazaar's JavaScript VC stack (``dbstack.mjs``) from Python.

One ``node`` process serves many requests over JSON lines, so the start-up cost (about half a
second to load jsonld and the suites) is paid once per test session or benchmark run.
"""

import fcntl
import os
import re
import selectors
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from openbadges.jsontypes import JSONObject, dumps, loads

INTEROP_DIR = Path(__file__).resolve().parent
SCRIPT = INTEROP_DIR / "dbstack.mjs"
LOCKFILE = INTEROP_DIR / "package-lock.json"
NODE_MODULES = INTEROP_DIR / "node_modules"
INSTALL_STAMP = NODE_MODULES / ".package-lock.json"
"""npm writes this "hidden lockfile" at the end of every install."""

MIN_NODE_MAJOR = 18
"""The oldest node the pinned @digitalbazaar packages support (their ``engines``)."""

INSTALL_TIMEOUT = 600.0
REQUEST_TIMEOUT = 60.0
BENCH_SECONDS_PER_RUN = 0.5
"""Allowance per benchmark iteration on top of REQUEST_TIMEOUT (JS signs ~100/s here)."""

STDERR_TAIL = 4000


class DbStackError(RuntimeError):
    """The JavaScript harness is missing, could not be installed, or failed to answer."""


def ensure_installed() -> None:
    """Run ``npm ci`` in tests/interop when node_modules is missing or older than the lock.

    Raises:
        DbStackError: node or npm is missing or too old, or ``npm ci`` failed.
    """
    node = _require_tool("node")
    npm = _require_tool("npm")
    _check_node_version(node)
    # an exclusive lock on the lockfile keeps two sessions from running npm ci at once
    with LOCKFILE.open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_install_current():
            return
        _run_npm_ci(npm)


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DbStackError(
            f"`{name}` is not on PATH: the interop tests need Node.js >= {MIN_NODE_MAJOR} and npm "
            "(Digital Bazaar's JavaScript stack is the independent verifier; it is not optional)"
        )
    return path


def _check_node_version(node: str) -> None:
    completed = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    match = re.fullmatch(r"v(\d+)\.\d+\.\d+\S*", completed.stdout.strip())
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        raise DbStackError(
            f"Node.js >= {MIN_NODE_MAJOR} is required for the interop tests, "
            f"`node --version` said {completed.stdout.strip() or completed.stderr.strip()!r}"
        )


def _is_install_current() -> bool:
    return INSTALL_STAMP.is_file() and INSTALL_STAMP.stat().st_mtime >= LOCKFILE.stat().st_mtime


def _run_npm_ci(npm: str) -> None:
    try:
        completed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=INTEROP_DIR,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise DbStackError(
            f"`npm ci` in {INTEROP_DIR} took over {INSTALL_TIMEOUT:.0f} s"
        ) from error
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr)[-STDERR_TAIL:]
        raise DbStackError(f"`npm ci` in {INTEROP_DIR} failed ({completed.returncode}):\n{output}")


def build_controller_document(
    method_id: str, controller: str, public_key_multibase: str
) -> JSONObject:
    """A controller document listing one Multikey under ``assertionMethod``.

    For serving an https issuer's key to `DbStack.verify` through ``documents``; it starts with
    the DID v1 context, which jsonld-signatures reads without JSON-LD framing.
    """
    method = {
        "id": method_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key_multibase,
    }
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": controller,
        "verificationMethod": [method],
        "assertionMethod": [method_id],
    }


class DbStack:
    """One ``node dbstack.mjs`` process: eddsa-rdfc-2022 signing and verification by vc 7.

    Use as a context manager; requests are answered in order, one at a time.
    """

    def __init__(self, *, timeout: float = REQUEST_TIMEOUT) -> None:
        self._timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._selector: selectors.BaseSelector | None = None
        self._buffer = b""
        self._next_id = 0

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Install the npm packages if needed (`ensure_installed`), then start the node process."""
        if self._process is not None:
            return
        ensure_installed()
        node = _require_tool("node")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._process = subprocess.Popen(
            [node, str(SCRIPT)],
            cwd=INTEROP_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        assert self._process.stdout is not None
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._process.stdout, selectors.EVENT_READ)
        self._buffer = b""

    def close(self) -> None:
        """Stop the node process; closing its stdin lets it finish the loop and exit."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        assert process.stdout is not None
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        try:
            process.stdin.close()
            process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def pid(self) -> int:
        """The node process id (benchmarks pin it to a core)."""
        if self._process is None:
            raise DbStackError("the node process is not running")
        return self._process.pid

    def sign(
        self,
        credential: JSONObject,
        key: JSONObject,
        created: str | None = None,
        *,
        documents: JSONObject | None = None,
    ) -> JSONObject:
        """Sign with an eddsa-rdfc-2022 DataIntegrityProof through ``vc.issue``.

        Args:
            credential: the unsigned credential (not modified).
            key: ``id``, ``controller``, ``publicKeyMultibase`` and ``secretKeyMultibase``
                (``0x8026`` + 32-byte seed; the legacy 64-byte seed + public key also works).
            created: the proof's ``created`` (``YYYY-MM-DDThh:mm:ssZ``); now when None.
            documents: extra documents by URL (e.g. a context that no npm package bundles).

        Returns:
            The signed credential.
        """
        request: JSONObject = {"op": "sign", "credential": credential, "key": key}
        if created is not None:
            request["created"] = created
        if documents is not None:
            request["documents"] = documents
        signed: JSONObject = self._request(request)["credential"]
        return signed

    def verify(
        self,
        credential: JSONObject,
        documents: JSONObject | None = None,
        *,
        now: str | None = None,
        check_issuer: bool = True,
        check_status: bool = False,
    ) -> tuple[bool, list[str]]:
        """Verify with ``vc.verifyCredential`` and the eddsa-rdfc-2022 suite.

        Args:
            credential: the signed credential.
            documents: documents by URL the loader may serve: controller documents, verification
                methods, status lists, extra contexts. did:key and the npm contexts need none.
            now: the verification time (ISO 8601) for validFrom/validUntil; the clock when None.
            check_issuer: False keeps the controller's assertionMethod check but drops vc's
                "issuer must be the verification method's controller" rule.
            check_status: read the Bitstring Status Lists with Digital Bazaar's
                ``vc-bitstring-status-list`` (each list in `documents`); a set bit fails.

        Returns:
            Whether it verified, and the error messages (empty when verified).
        """
        request: JSONObject = {"op": "verify", "credential": credential}
        if documents is not None:
            request["documents"] = documents
        if now is not None:
            request["now"] = now
        if not check_issuer:
            request["checkIssuer"] = False
        if check_status:
            request["checkStatus"] = True
        answer = self._request(request)
        return bool(answer["verified"]), [str(error) for error in answer["errors"]]

    def bench(
        self,
        what: str,
        credential: JSONObject,
        key: JSONObject,
        n: int,
        *,
        documents: JSONObject | None = None,
    ) -> float:
        """Time ``n`` sequential signatures (``what="sign"``) or verifications after 10 warm-ups.

        Returns:
            Operations per second.
        """
        request: JSONObject = {
            "op": "bench",
            "what": what,
            "credential": credential,
            "key": key,
            "n": n,
        }
        if documents is not None:
            request["documents"] = documents
        timeout = self._timeout + (n + 10) * BENCH_SECONDS_PER_RUN
        return float(self._request(request, timeout=timeout)["per_second"])

    def canonize(self, document: JSONObject) -> str:
        """Digital Bazaar's RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode)."""
        return str(self._request({"op": "canonize", "document": document})["nquads"])

    def _request(self, request: JSONObject, timeout: float | None = None) -> JSONObject:
        process = self._process
        if process is None or process.stdin is None:
            raise DbStackError("DbStack is not running (not started, or stopped after a failure)")
        self._next_id += 1
        request_id = self._next_id
        try:
            process.stdin.write(dumps({**request, "id": request_id}) + b"\n")
            process.stdin.flush()
        except BrokenPipeError as error:
            raise self._died("stopped before the request was sent") from error
        answer: JSONObject = loads(self._read_line(timeout or self._timeout))
        if answer.get("id") != request_id:
            self.close()
            raise DbStackError(f"answer {answer.get('id')} does not match request {request_id}")
        if not answer["ok"]:
            raise DbStackError(f"dbstack {request['op']} failed: {answer['error']}")
        return answer

    def _read_line(self, timeout: float) -> bytes:
        assert self._process is not None
        assert self._process.stdout is not None
        assert self._selector is not None
        deadline = time.monotonic() + timeout
        descriptor = self._process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                self.close()
                raise DbStackError(f"no answer from dbstack.mjs within {timeout:g} s")
            # os.read, not the buffered file: select() only sees the pipe, not Python's buffer
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                raise self._died("exited")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _died(self, what: str) -> DbStackError:
        process = self._process
        stderr = self._read_stderr()
        self.close()
        status = process.returncode if process is not None else None
        return DbStackError(
            f"dbstack.mjs {what} (exit status {status}); its stderr ends with:\n{stderr}"
        )

    def _read_stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-STDERR_TAIL:].decode("utf-8", "replace")
