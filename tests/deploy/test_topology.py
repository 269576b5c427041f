"""compose.yaml's topology, run as processes: two ``insigne serve`` and a worker on one
PostgreSQL and Redis, behind Debian's nginx with ``deploy/nginx.conf`` (TLS, X-Forwarded-For
set by nginx, ``INSIGNE_TRUSTED_PROXIES`` naming it), everything on 127.0.0.1 ports.

Callers come from addresses of their own in 127.0.0.0/8 (a random /16 per run, so parallel
runs sharing Redis never share a counter), which is how the per-address limits are seen.
"""

import asyncio
import base64
import json
import random
import secrets
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from tests.deploy.topology import (
    Receiver,
    nginx_command,
    nginx_config,
    self_signed,
    webhook_receiver,
)
from tests.processes import (
    HOST,
    clean_env,
    ensure_deploy_tools,
    free_port,
    insigne,
    run,
    running,
    scratch_database,
    serve,
    sql,
    wait_for,
)
from tests.service.factories import completion

ROOT = Path(__file__).resolve().parents[2]
ANONYMOUS_LIMIT = 4
DISTINCT = 12
DUPLICATES = 6


def require_redis() -> None:
    try:
        socket.create_connection((HOST, 6379), timeout=2).close()
    except OSError:
        pytest.fail("Redis must answer on 127.0.0.1:6379 (shared rate limits)")


def answered(log: Path, request: str) -> int:
    """How many of these requests a process answered, whatever the status (its access log)."""
    return sum(
        1 for line in log.read_text().splitlines() if "service.access" in line and request in line
    )


def test_two_processes_and_a_worker_behind_nginx(tmp_path: Path) -> None:
    ensure_deploy_tools()
    require_redis()
    app_ports = [free_port(), free_port()]
    http_port, https_port = free_port(), free_port()
    public = f"https://{HOST}:{https_port}"
    subnet = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}"  # noqa: S311
    with scratch_database() as database_url, ExitStack() as stack:
        env = clean_env(
            INSIGNE_DATABASE_URL=database_url,
            INSIGNE_DATA_DIR=str(tmp_path / "data"),
            INSIGNE_PUBLIC_URL=public,
            INSIGNE_KEY_ENCRYPTION_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
            INSIGNE_TOKEN_SECRET=base64.b64encode(secrets.token_bytes(32)).decode(),
            INSIGNE_RATE_LIMIT_STORAGE=f"async+redis://{HOST}:6379",
            INSIGNE_RATE_LIMIT_ANONYMOUS=f"{ANONYMOUS_LIMIT}/hour",
            INSIGNE_TRUSTED_PROXIES=HOST,  # nginx reaches the apps from 127.0.0.1
            INSIGNE_WEBHOOK_WORKER="0",
            INSIGNE_FETCH_HTTP_HOSTS=HOST,  # the webhook receiver is plain HTTP on loopback
        )
        run(env, "db", "upgrade")  # the one-shot migration, before any app process
        demo = json.loads(run(env, "demo"))
        admin = json.loads(
            run(
                env,
                "clients",
                "create",
                "--name",
                "Admin",
                "--scope",
                "admin",
                "--issuer",
                "reseau-demo",
            )
        )
        certificate = self_signed(tmp_path / "tls")
        config = nginx_config(tmp_path, app_ports, http_port, https_port)
        receiver = stack.enter_context(webhook_receiver())
        logs = [tmp_path / f"app-{port}.log" for port in app_ports]
        for port, log in zip(app_ports, logs, strict=True):
            process = stack.enter_context(running(serve(port), env, ROOT, log))
            wait_for(f"http://{HOST}:{port}/ready", process, log)
        stack.enter_context(
            running(insigne("worker", "--idle-seconds", "0.2"), env, ROOT, tmp_path / "worker.log")
        )
        stack.enter_context(
            running(nginx_command(tmp_path, config), env, tmp_path, tmp_path / "nginx.log")
        )
        tls = ssl.create_default_context(cafile=str(certificate))

        def caller(last_octet: int) -> httpx.Client:
            """A client connecting from an address of its own, over TLS to nginx."""
            transport = httpx.HTTPTransport(local_address=f"{subnet}.{last_octet}", verify=tls)
            return httpx.Client(base_url=public, transport=transport, timeout=60, trust_env=False)

        with caller(1) as platform, caller(2) as anonymous, caller(3) as other:
            wait_through(platform, "/ready", tmp_path / "nginx.log")
            assert platform.get("/metrics").status_code == 404  # kept inside
            assert httpx.get(f"http://{HOST}:{app_ports[0]}/metrics").status_code == 200

            admin_token = token(platform, admin)
            hook = platform.post(
                "/api/v1/webhooks",
                json={
                    "url": f"http://{HOST}:{receiver.port}/hook",
                    "events": ["credential.issued"],
                },
                headers={"Authorization": f"Bearer {admin_token}"},
            )
            assert hook.status_code == 201, hook.text
            bearer = {"Authorization": f"Bearer {token(platform, demo)}"}
            bodies = [completion(f"topologie-{n}") for n in range(DISTINCT)]
            bodies += [completion("topologie-doublon")] * DUPLICATES
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(
                    pool.map(
                        lambda body: platform.post(
                            "/api/v1/completions", json=body, headers=bearer
                        ),
                        bodies,
                    )
                )

            # completions spread over both processes
            assert all(answer.status_code in (200, 201) for answer in answers), [
                answer.text for answer in answers if answer.status_code not in (200, 201)
            ]
            assert all(answered(log, "POST /api/v1/completions ") > 0 for log in logs)
            # no duplicate badge: one credential per externalId, in the shared database
            doubled = {answer.json()["id"] for answer in answers[DISTINCT:]}
            assert len(doubled) == 1
            issued = {answer.json()["id"] for answer in answers}
            assert len(issued) == DISTINCT + 1
            stored = asyncio.run(sql(database_url, "SELECT count(*) FROM credentials"))
            assert stored == DISTINCT + 1

            # rate limits shared: one budget per caller address, whichever process answers
            check = f"/api/v1/verifications?url={public}/credentials/{answers[0].json()['id']}"
            statuses = [
                anonymous.get(check, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                for n in range(2 * ANONYMOUS_LIMIT)
            ]
            assert statuses == [200] * ANONYMOUS_LIMIT + [429] * ANONYMOUS_LIMIT
            assert all(answered(log, "GET /api/v1/verifications") > 0 for log in logs)
            assert other.get(check).status_code == 200  # another address, its own budget

            # each webhook delivered once, by the worker
            deliveries = wait_for_deliveries(receiver, DISTINCT + 1)
            time.sleep(2)  # a second delivery would come now
            assert len(receiver.received) == DISTINCT + 1
            assert len({headers["webhook-id"] for headers, _ in deliveries}) == DISTINCT + 1
            signer = Webhook(hook.json()["secret"])
            payloads = [signer.verify(body, headers) for headers, body in receiver.received]
            assert {payload["data"]["id"] for payload in payloads} == issued
            assert all(payload["type"] == "credential.issued" for payload in payloads)


def token(client: httpx.Client, credentials: dict[str, str]) -> str:
    answer = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["clientId"], credentials["clientSecret"]),
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def wait_through(client: httpx.Client, path: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if client.get(path).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nginx never answered {path}: {log.read_text()[-3000:]}")


def wait_for_deliveries(receiver: Receiver, count: int) -> list[tuple[dict[str, str], bytes]]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(receiver.received) < count:
        time.sleep(0.2)
    with receiver.lock:
        return list(receiver.received)
