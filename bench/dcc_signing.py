"""Insigne's completions per second beside the DCC signing service's signatures, in one run.

Serves ``insigne serve`` (PostgreSQL, granian, one process unless ``--workers``) and the
Digital Credentials Consortium's signing service (``digitalcredentials/signing-service`` at
``DCC_COMMIT``, one node process, bound to loopback) side by side, loads each in turn with wrk
(a process of its own, the same connections, one discarded run each, then interleaved rounds:
Insigne, DCC, Insigne…), and prints requests/s and the CPU per request read from /proc (utime
+ stime of each server's process group, plus for Insigne the PostgreSQL backends of the bench
database; wrk's own CPU beside), the ratio Insigne completions/s to DCC signatures/s (issue
26: at least 2×), and the load average.

The DCC service is asked for eddsa-rdfc-2022 (``?suite=eddsa2022``), the cryptosuite of
Insigne's Data Integrity proof, over the OpenBadgeCredential Insigne issued in the warm-up,
its proof removed and a fresh ``id`` per request. An Insigne completion does more for its
request: it authenticates the platform, validates the input, writes the learner, completion,
credential and status index to PostgreSQL in one transaction and signs twice (Data Integrity
and VC-JWT). One credential the DCC service signed is verified with ``python -m openbadges
verify`` first, so the figure is one of real signatures.

The script does not fetch the service: ``--dcc-dir`` names a checkout of ``DCC_COMMIT`` whose
dependencies are installed (README, Performance). Run with ``uv run --frozen python
bench/dcc_signing.py --dcc-dir PATH`` (needs wrk, ``make bench-setup``, and node).
"""

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.completion_cpu import (
    WRK_DIR,
    Sample,
    Target,
    _insigne,
    _warm,
    _wrk,
    platform_token,
    sample,
    started,
)
from bench.server import HOST, ROOT, database, free_port, insigne
from bench.server import server_env as base_env
from tests.service.factories import completion

DCC_COMMIT = "31bbf69bc6051a016f4f31918994f2d4c3ab202c"  # tag v1.1.0 (2025-04-02)
DCC_VERSION = "1.1.0"
DCC_PATH = "/instance/bench/credentials/sign?suite=eddsa2022"  # tenant TENANT_SEED_BENCH

# server.js listens on every interface and takes no host: this preload binds it to loopback.
_LOOPBACK = """const net = require('net')
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (port, ...rest) {
  if (typeof port === 'number' || typeof port === 'string') {
    return listen.call(this, port, '@HOST@', ...rest)
  }
  return listen.call(this, port, ...rest)
}
""".replace("@HOST@", HOST)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dcc-dir", type=Path, required=True, help="signing-service checkout")
    parser.add_argument("--seconds", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per server")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="insigne serve --workers")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="granian")
    args = parser.parse_args()
    _check_tools(args.dcc_dir)
    print(f"load: {_load()} before the runs, {os.cpu_count()} cores")
    with (
        tempfile.TemporaryDirectory(prefix="insigne-dcc-") as tmp,
        database(Path(tmp), is_sqlite=False) as url,
    ):
        failures = _bench(Path(tmp), url, args)
    print(f"load: {_load()} after the runs")
    return 1 if failures else 0


def _check_tools(directory: Path) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `make bench-setup` (apt-get install wrk)")
    if shutil.which("node") is None:
        raise SystemExit("node is missing (the DCC signing service is a Node.js program)")
    manifest = directory / "package.json"
    if not manifest.is_file() or not (directory / "node_modules").is_dir():
        raise SystemExit(
            f"{directory} is not a signing-service checkout with its dependencies installed "
            f"(commit {DCC_COMMIT}: see README, Performance)"
        )
    version = json.loads(manifest.read_text()).get("version")
    if version != DCC_VERSION:
        print(f"warning: signing-service {version}, not {DCC_VERSION} (commit {DCC_COMMIT})")


def _load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg()) + " (1/5/15-minute average)"


def _bench(tmp: Path, url: str, args: argparse.Namespace) -> int:
    port = free_port()
    env = base_env(url, tmp, port)
    insigne(env, "db", "upgrade")
    demo = json.loads(insigne(env, "demo"))
    name = make_url(url).database or ""
    with contextlib.ExitStack() as stack:
        ours = stack.enter_context(_insigne(env, tmp, port, args.workers, args.server))
        dcc = stack.enter_context(_dcc(args.dcc_dir, tmp, free_port()))
        token = platform_token(ours.base_url, demo)
        _warm(ours, token)
        body = _unsigned(_issued(ours, token))
        _check_signed(dcc, body, tmp)
        seconds, connections = args.seconds, args.connections
        runs: dict[str, Callable[[str], str]] = {
            ours.name: lambda url: _wrk(url, token, seconds, connections),
            dcc.name: lambda url: _wrk_sign(url, body, seconds, connections),
        }
        for target in (ours, dcc):  # one discarded run each: V8 optimises for a while
            runs[target.name](target.base_url)
        results: dict[str, list[Sample]] = {ours.name: [], dcc.name: []}
        for _ in range(args.rounds):
            for target in (ours, dcc):
                database_name = name if target is ours else None  # node uses no database
                load = runs[target.name]
                results[target.name].append(
                    asyncio.run(sample(target, load, database_name, args.seconds))
                )
        _print(results, ours.name, args)
    return sum(s.failures for samples in results.values() for s in samples)


@contextlib.contextmanager
def _dcc(directory: Path, tmp: Path, port: int) -> Iterator[Target]:
    """The signing service as its image runs it (``node server.js``, production), one process."""
    log, preload = tmp / "dcc.log", tmp / "loopback.cjs"
    preload.write_text(_LOOPBACK)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "NODE_ENV": "production",  # as its Dockerfile sets it
        "PORT": str(port),
        "CONSOLE_LOG_LEVEL": "error",
        "LOG_LEVEL": "error",
        "TENANT_SEED_BENCH": "generate",  # a new did:key seed, in memory only
    }
    command = [shutil.which("node") or "node", "--require", str(preload), "server.js"]
    with started("dcc", port, command, env, directory, log, "/") as dcc:
        yield dcc


def _issued(target: Target, token: str) -> dict[str, Any]:
    """One more completion: the credential Insigne signed for it."""
    run = uuid.uuid4().hex[:8]
    body = completion(f"dcc-{run}", learner={"email": f"dcc-{run}@exemple.qc.ca", "name": "Marie"})
    response = httpx.post(
        target.base_url + "/api/v1/completions",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=30,
    )
    response.raise_for_status()
    credential: dict[str, Any] = response.json()["credential"]
    return credential


def _unsigned(credential: dict[str, Any]) -> str:
    """The credential without its proof, as JSON text with ``@ID@`` where its id goes."""
    unsigned = {key: value for key, value in credential.items() if key != "proof"}
    unsigned["id"] = "urn:uuid:@ID@"
    return json.dumps(unsigned, ensure_ascii=False)


def _sign(target: Target, body: str) -> dict[str, Any]:
    response = httpx.post(
        target.base_url + DCC_PATH,
        content=body.encode(),
        headers={"Content-Type": "application/json"},
        trust_env=False,
        timeout=30,
    )
    if response.status_code != 200:
        raise SystemExit(f"dcc: {response.status_code} {response.text[:300]}")
    signed: dict[str, Any] = response.json()
    return signed


def _check_signed(dcc: Target, body: str, tmp: Path) -> None:
    """DCC signatures checked by this project's verifier (the status list from Insigne).

    signing-service v1.1.0 locks an older copy of OB's context-3.0.3.json, without
    ``awardedDate`` and ``inLanguage``: it signs those two as issuer-dependent IRIs (VC 2.0's
    ``@vocab``), so its signature over Insigne's whole credential fails against the published
    context. Without those two members its signature must verify.
    """
    whole = _verify(_sign(dcc, body.replace("@ID@", str(uuid.uuid4()))), tmp)
    plain = _without(json.loads(body.replace("@ID@", str(uuid.uuid4()))), _OLD_CONTEXT_GAPS)
    signed = _sign(dcc, json.dumps(plain, ensure_ascii=False))
    done = _verify(signed, tmp)
    proof = signed["proof"]
    print(
        f"DCC signed: {proof['type']} {proof.get('cryptosuite', '')} by "
        f"{proof['verificationMethod'].split('#')[0]}; openbadges verify: exit {done.returncode} "
        f"without {' and '.join(sorted(_OLD_CONTEXT_GAPS))}, exit {whole.returncode} with them"
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit("the DCC service's credential did not verify")


_OLD_CONTEXT_GAPS = frozenset({"awardedDate", "inLanguage"})


def _without(value: Any, names: frozenset[str]) -> Any:  # noqa: ANN401 (any JSON value)
    if isinstance(value, dict):
        return {key: _without(item, names) for key, item in value.items() if key not in names}
    if isinstance(value, list):
        return [_without(item, names) for item in value]
    return value


def _verify(signed: dict[str, Any], tmp: Path) -> subprocess.CompletedProcess[str]:
    document = tmp / f"{uuid.uuid4().hex}.json"
    document.write_text(json.dumps(signed))
    command = [sys.executable, "-m", "openbadges", "verify", str(document)]
    statuses = signed.get("credentialStatus", [])
    for status in statuses if isinstance(statuses, list) else [statuses]:
        command += _served(status["statusListCredential"], tmp)
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def _served(url: str, tmp: Path) -> list[str]:
    """``--key-doc`` arguments for Insigne's status list and its issuer's did:web document."""
    listed = httpx.get(url, trust_env=False, timeout=30).raise_for_status()
    proofs = listed.json()["proof"]
    proof = proofs[0] if isinstance(proofs, list) else proofs
    did = str(proof["verificationMethod"]).split("#")[0]
    host, *path = did.removeprefix("did:web:").split(":")
    controller = httpx.get(
        f"http://{unquote(host)}/{'/'.join(path)}/did.json", trust_env=False, timeout=30
    ).raise_for_status()  # did:web over plain HTTP: Insigne serves loopback here
    files = [tmp / f"{uuid.uuid4().hex}.json" for _ in range(2)]
    files[0].write_text(listed.text)
    files[1].write_text(controller.text)
    return ["--key-doc", f"{url}={files[0]}", "--key-doc", f"{did}={files[1]}"]


def _wrk_sign(base_url: str, body: str, seconds: int, connections: int) -> str:
    env = {**os.environ, "BENCH_BODY": body, "BENCH_PATH": DCC_PATH, "BENCH_RUN": uuid.uuid4().hex}
    command = [
        "wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s",
        "-s", str(WRK_DIR / "completions.lua"), base_url,
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def _print(results: dict[str, list[Sample]], ours: str, args: argparse.Namespace) -> None:
    print(
        f"\nmedians of {args.rounds} interleaved wrk runs of {args.seconds} s, "
        f"{args.connections} connections (Insigne: {args.workers} process(es), {args.server})"
    )
    print(f"{'':12}{'per second':>11}{'server ms':>11}{'postgres ms':>13}{'total ms':>10}"
          f"{'wrk ms':>8}{'non-2xx':>9}")  # fmt: skip
    for name, samples in results.items():
        rate = statistics.median(s.per_second for s in samples)
        server_ms = statistics.median(s.server_per_request for s in samples)
        postgres_ms = statistics.median(s.postgres_per_request for s in samples)
        total = statistics.median(s.total_per_request for s in samples)
        load = statistics.median(s.load_per_request for s in samples)
        failures = sum(s.failures for s in samples)
        print(f"{name:12}{rate:11.1f}{server_ms:11.2f}{postgres_ms:13.2f}{total:10.2f}"
              f"{load:8.2f}{failures:9}")  # fmt: skip
    pairs = list(zip(results[ours], results["dcc"], strict=True))
    for number, (a, b) in enumerate(pairs, 1):
        print(f"round {number}: insigne {a.per_second:.1f}/s, {a.total_per_request:.2f} ms; "
              f"dcc {b.per_second:.1f}/s, {b.total_per_request:.2f} ms")  # fmt: skip
    rates = [a.per_second / b.per_second for a, b in pairs]
    cpu = [b.total_per_request / a.total_per_request for a, b in pairs]
    print(
        f"Insigne completions/s / DCC signatures/s: {statistics.median(rates):.2f}x "
        f"(per round: {', '.join(f'{r:.2f}' for r in rates)}; goal >= 2)"
    )
    print(
        f"DCC CPU per signature / Insigne CPU per completion (server + PostgreSQL): "
        f"{statistics.median(cpu):.2f}x (per round: {', '.join(f'{r:.2f}' for r in cpu)})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
