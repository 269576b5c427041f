"""``insigne keys rotate-kek`` under a running ``insigne serve``: real processes, real files.

A process whose key comes from a file re-reads the key ring the rotation writes and keeps
issuing; a process whose key is in its environment cannot, and ``/ready`` says so (503)
until it is restarted with the new key.
"""

import base64
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import (
    HOST,
    clean_env,
    free_port,
    run,
    running,
    scratch_database,
    serve,
    wait_for,
)
from tests.service.factories import completion

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_url() -> Iterator[str]:
    """The served process's database: PostgreSQL, as deployments with several processes use.

    The rotation on SQLite is tested in tests/service/test_cli.py; what is tested here is
    processes re-reading key files.
    """
    with scratch_database() as url:
        yield url


def settings_env(tmp: Path, port: int, database_url: str, **more: str) -> dict[str, str]:
    return clean_env(
        INSIGNE_DATABASE_URL=database_url,
        INSIGNE_DATA_DIR=str(tmp / "data"),
        INSIGNE_PUBLIC_URL=f"http://{HOST}:{port}",
        INSIGNE_KEY_CACHE_SECONDS="0",  # every completion opens its keys: the worst case
        **more,
    )


def issue(base: str, demo: dict[str, str], external_id: str) -> httpx.Response:
    token = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(demo["clientId"], demo["clientSecret"]),
    ).json()["access_token"]
    return httpx.post(
        f"{base}/api/v1/completions",
        json=completion(external_id),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_a_process_keeps_issuing_through_a_rotation_of_its_key_file(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    env = settings_env(tmp_path, port, database_url)
    run(env, "db", "upgrade")
    demo = json.loads(run(env, "demo"))
    base, log = f"http://{HOST}:{port}", tmp_path / "serve.log"
    key_file = tmp_path / "data" / "key-encryption-key"
    with running(serve(port), env, ROOT, log) as process:
        wait_for(f"{base}/ready", process, log)
        assert issue(base, demo, "avant").status_code == 201
        old_key = key_file.read_text().split()[0]

        rotated = json.loads(run(env, "keys", "rotate-kek"))

        assert rotated["issuerKeys"] >= 2
        assert key_file.read_text().split() == [key_file.read_text().split()[0], old_key]
        assert issue(base, demo, "après").status_code == 201
        ready = httpx.get(f"{base}/ready")
        assert ready.status_code == 200, ready.text
        # a second rotation drops the first key: the process follows again
        run(env, "keys", "rotate-kek")
        assert old_key not in key_file.read_text()
        assert issue(base, demo, "encore").status_code == 201
    assert "InvalidTag" not in log.read_text()


def test_ready_reports_a_process_left_with_an_old_key(tmp_path: Path, database_url: str) -> None:
    old, new = (base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(2))
    port = free_port()
    env = settings_env(tmp_path, port, database_url, INSIGNE_KEY_ENCRYPTION_KEY=old)
    run(env, "db", "upgrade")
    demo = json.loads(run(env, "demo"))
    base, log = f"http://{HOST}:{port}", tmp_path / "serve.log"
    with running(serve(port), env, ROOT, log) as process:
        wait_for(f"{base}/ready", process, log)
        assert issue(base, demo, "avant").status_code == 201

        run(env | {"INSIGNE_NEW_KEY_ENCRYPTION_KEY": new}, "keys", "rotate-kek")

        ready = httpx.get(f"{base}/ready")
        assert ready.status_code == 503
        assert "key-encryption key" in ready.json()["detail"]
        assert httpx.get(f"{base}/health").status_code == 200  # alive, not ready
    restarted = env | {"INSIGNE_KEY_ENCRYPTION_KEY": new}
    with running(serve(port), restarted, ROOT, tmp_path / "restarted.log") as process:
        wait_for(f"{base}/ready", process, tmp_path / "restarted.log")
        assert issue(base, demo, "après").status_code == 201
