"""compose.yaml as Docker Compose reads it: Debian's ``docker-compose config`` (no engine).

The file must parse and interpolate under the Compose specification, and say what the
deployment guide promises: two app replicas behind the TLS proxy, a worker, a one-shot
migration first, PostgreSQL and Redis, health checks, secrets from files or the environment,
and no port but the proxy's published (``/metrics`` stays on the internal network).
"""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.processes import clean_env, ensure_deploy_tools

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = "/usr/bin/docker-compose"  # Debian's package
REQUIRED = {"INSIGNE_HOST": "badges.example.org", "POSTGRES_PASSWORD": "s3cret"}


def compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    ensure_deploy_tools()
    return subprocess.run(
        [COMPOSE, "--project-directory", str(ROOT), "-f", "compose.yaml", "config"],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    done = compose_config(**REQUIRED)
    assert done.returncode == 0, done.stderr
    parsed: dict[str, Any] = yaml.safe_load(done.stdout)
    return parsed


def test_the_topology(config: dict[str, Any]) -> None:
    services = config["services"]
    assert set(services) == {"postgres", "redis", "migrate", "app", "worker", "proxy"}
    assert services["app"]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["insigne", "db", "upgrade"]
    assert services["worker"]["command"] == ["insigne", "worker"]
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["app"]["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_only_the_proxy_publishes_a_port(config: dict[str, Any]) -> None:
    services = config["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {str(port["target"]) for port in services["proxy"]["ports"]} == {"80", "443"}
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "location = /metrics {\n            return 404;" in nginx
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx


def test_every_long_running_service_has_a_health_check(config: dict[str, Any]) -> None:
    services = config["services"]
    for name in ("postgres", "redis", "app", "proxy"):
        assert services[name]["healthcheck"]["test"], name
    assert "/ready" in " ".join(services["app"]["healthcheck"]["test"])


def test_the_app_trusts_the_proxy_alone_and_leaves_webhooks_to_the_worker(
    config: dict[str, Any],
) -> None:
    app = config["services"]["app"]["environment"]
    proxy_address = config["services"]["proxy"]["networks"]["backend"]["ipv4_address"]
    assert app["INSIGNE_TRUSTED_PROXIES"] == proxy_address
    assert app["INSIGNE_WEBHOOK_WORKER"] == "0"
    assert app["INSIGNE_RATE_LIMIT_STORAGE"] == "async+redis://redis:6379"
    assert app["INSIGNE_PUBLIC_URL"] == "https://badges.example.org"
    assert "s3cret@postgres:5432" in app["INSIGNE_DATABASE_URL"]


def test_secrets_come_from_files_or_the_environment(config: dict[str, Any]) -> None:
    app = config["services"]["app"]
    assert app["environment"]["INSIGNE_KEY_ENCRYPTION_KEY"] == ""  # unset: the file counts
    assert app["environment"]["INSIGNE_KEY_ENCRYPTION_KEY_FILE"].startswith("/run/insigne/")
    assert app["environment"]["INSIGNE_TOKEN_SECRET_FILE"].startswith("/run/insigne/")
    assert any(volume.endswith(":ro") or "read_only" in str(volume) for volume in app["volumes"])
    given = compose_config(**REQUIRED, INSIGNE_KEY_ENCRYPTION_KEY="a2V5")
    environment = yaml.safe_load(given.stdout)["services"]["worker"]["environment"]
    assert environment["INSIGNE_KEY_ENCRYPTION_KEY"] == "a2V5"


def test_a_missing_password_stops_compose_with_a_message() -> None:
    done = compose_config(INSIGNE_HOST="badges.example.org")
    assert done.returncode != 0
    assert "set POSTGRES_PASSWORD" in done.stderr
