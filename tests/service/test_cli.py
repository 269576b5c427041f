"""The ``insigne`` command as an operator runs it: a real subprocess on a fresh data folder."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def insigne(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIGNE_")}
    env["INSIGNE_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("insigne")
    assert insigne(folder, "db", "upgrade").returncode == 0
    return folder


def output(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_first_start_makes_development_secrets_with_a_warning(data_dir: Path) -> None:
    assert (data_dir / "key-encryption-key").stat().st_mode & 0o077 == 0
    assert (data_dir / "insigne.db").exists()


def test_demo_is_idempotent_and_shows_a_fresh_secret(data_dir: Path) -> None:
    first = output(insigne(data_dir, "demo"))
    second = output(insigne(data_dir, "demo"))

    assert set(first) == {"clientId", "clientSecret", "issuer", "achievement"}
    assert first["clientId"] == second["clientId"]
    assert first["clientSecret"] != second["clientSecret"]
    assert first["achievement"] == "leadership-pedagonumerique-1-explorateur"
    assert first["issuer"] == "did:web:localhost%3A8000:issuers:reseau-demo"


def test_clients_create_prints_the_secret_once(data_dir: Path) -> None:
    created = output(
        insigne(
            data_dir,
            "clients",
            "create",
            "--name",
            "Moodle CSS",
            "--scope",
            "completions:write credentials:read",
            "--issuer",
            "reseau-demo",
        )
    )

    assert created["clientId"].startswith("ins_")
    assert len(created["clientSecret"]) >= 40


def test_unknown_scope_is_refused(data_dir: Path) -> None:
    result = insigne(data_dir, "clients", "create", "--name", "X", "--scope", "everything")

    assert result.returncode == 2
    assert "unknown scopes" in result.stderr


def test_keys_rotate(data_dir: Path) -> None:
    output(insigne(data_dir, "demo"))
    rotated = output(insigne(data_dir, "keys", "rotate", "--issuer", "reseau-demo"))

    assert rotated["verificationMethods"][0].endswith("#key-ed25519-2")
    assert insigne(data_dir, "keys", "rotate", "--issuer", "inconnu").returncode == 2


def test_clients_renew_secret_and_disable(data_dir: Path) -> None:
    created = output(
        insigne(
            data_dir, "clients", "create", "--name", "Renouvelée", "--scope", "credentials:read"
        )
    )
    renewed = output(insigne(data_dir, "clients", "renew-secret", created["clientId"]))
    disabled = output(insigne(data_dir, "clients", "disable", created["clientId"]))
    unknown = insigne(data_dir, "clients", "disable", "ins_personne")

    assert renewed["clientId"] == created["clientId"]
    assert renewed["clientSecret"] != created["clientSecret"]
    assert disabled == {"clientId": created["clientId"], "disabled": True}
    assert unknown.returncode == 2
    assert "no client" in unknown.stderr
