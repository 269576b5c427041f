"""The ``insigne`` command as an operator runs it: a real subprocess on a fresh data folder."""

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from service.cli import main
from service.db.tables import ClientRecord
from service.domain.clients.clients import Principal
from service.domain.credentials.completions import Completion, Learner, Reflection
from service.pipelines.issuance import issue_completion
from service.runtime import Runtime
from service.settings import Settings
from tests.cli import run_main
from tests.service.factories import ANSWERS


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def insigne(data_dir: Path, *args: str, env_extra: dict[str, str] | None = None) -> Ran:
    """``insigne ARGS`` in process, its settings read from a clean environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIGNE_")}
    env["INSIGNE_DATA_DIR"] = str(data_dir)
    env.update(env_extra or {})
    ran = run_main(main, args, env=env)
    return Ran(ran.returncode, ran.stdout.decode(), ran.stderr.decode())


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("insigne")
    assert insigne(folder, "db", "upgrade").returncode == 0
    return folder


def output(result: Ran) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_first_start_makes_development_secrets_with_a_warning(data_dir: Path) -> None:
    assert (data_dir / "key-encryption-key").stat().st_mode & 0o077 == 0
    assert (data_dir / "insigne.db").exists()


def test_demo_is_idempotent_and_keeps_its_secret(data_dir: Path) -> None:
    first = output(insigne(data_dir, "demo"))
    token = asyncio.run(_token(data_dir, first["clientId"], first["clientSecret"]))
    second = output(insigne(data_dir, "demo"))

    assert set(first) == {"clientId", "clientSecret", "issuer", "achievement"}
    assert second == first  # the same secret, printed again: nothing renewed
    assert asyncio.run(_token_holder(data_dir, token)) == first["clientId"]
    assert first["achievement"] == "leadership-pedagonumerique-1-explorateur"
    assert first["issuer"] == "did:web:localhost%3A8000:issuers:reseau-demo"
    kept = data_dir / "demo-client.json"
    assert json.loads(kept.read_text())["clientSecret"] == first["clientSecret"]
    assert kept.stat().st_mode & 0o077 == 0


def test_demo_never_renews_a_secret_it_does_not_hold(tmp_path: Path) -> None:
    assert insigne(tmp_path, "db", "upgrade").returncode == 0
    first = output(insigne(tmp_path, "demo"))
    renewed = output(insigne(tmp_path, "clients", "renew-secret", first["clientId"]))
    token = asyncio.run(_token(tmp_path, renewed["clientId"], renewed["clientSecret"]))
    (tmp_path / "demo-client.json").unlink()

    again = insigne(tmp_path, "demo")

    assert output(again) == first | {"clientSecret": None}
    assert f"insigne clients renew-secret {first['clientId']}" in again.stderr
    assert renewed["clientSecret"] not in again.stderr + again.stdout
    assert asyncio.run(_token_holder(tmp_path, token)) == first["clientId"]


async def _token(data_dir: Path, client_id: str, secret: str) -> str:
    runtime = Runtime.build(Settings.from_env({"INSIGNE_DATA_DIR": str(data_dir)}))
    try:
        async with runtime.write() as services:
            return (await services.clients.issue_token(client_id, secret, None)).token
    finally:
        await runtime.close()


async def _token_holder(data_dir: Path, token: str) -> str:
    """The client a token stands for; fails once the client's secret was renewed."""
    runtime = Runtime.build(Settings.from_env({"INSIGNE_DATA_DIR": str(data_dir)}))
    try:
        async with runtime.read() as services:
            return (await services.clients.principal(token)).client_id
    finally:
        await runtime.close()


def test_clients_create_prints_the_secret_once(data_dir: Path) -> None:
    output(insigne(data_dir, "demo"))
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


def test_a_client_is_not_linked_to_an_issuer_that_does_not_exist(data_dir: Path) -> None:
    # Else whoever later creates that slug would find this client administering it.
    result = insigne(
        data_dir, "clients", "create", "--name", "X", "--scope", "admin", "--issuer", "a-venir"
    )

    assert result.returncode == 2
    assert "no issuer a-venir" in result.stderr


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


def _issue_in_process(
    data_dir: Path, external_id: str = "cli-1", env: dict[str, str] | None = None
) -> str:
    """Issue one badge on the data folder's database, as the API would."""

    async def issue() -> str:
        settings = Settings.from_env({"INSIGNE_DATA_DIR": str(data_dir), **(env or {})})
        runtime = Runtime.build(settings)
        try:
            async with runtime.read() as services:
                client_id = await services.clients.find_by_name("Plateforme de démonstration")
            principal = await _principal(runtime, str(client_id))
            completion = Completion.normalised(
                achievement="leadership-pedagonumerique-1-explorateur",
                external_id=external_id,
                learner=Learner("marie.tremblay@exemple.qc.ca", "Marie Tremblay"),
                completed_at=datetime(2026, 11, 20, 14, 3, tzinfo=UTC),
                share_reflections=False,
                reflections=tuple(Reflection(k, v) for k, v in ANSWERS.items()),
            )
            return str((await issue_completion(runtime, principal, completion)).credential_id)
        finally:
            await runtime.close()

    return asyncio.run(issue())


async def _principal(runtime: Runtime, client_id: str) -> Principal:
    async with runtime.database.read() as session:
        record = await session.scalar(
            select(ClientRecord).where(ClientRecord.client_id == client_id)
        )
    assert record is not None
    return Principal(
        id=record.id,
        client_id=record.client_id,
        name=record.name,
        scopes=frozenset(record.scopes),
        issuer_slugs=frozenset(record.issuer_slugs),
    )


def test_credentials_suspend_reinstate_and_revoke(data_dir: Path) -> None:
    output(insigne(data_dir, "demo"))
    # Issued with the opt-in suspension entry; the command line (default settings) suspends it.
    credential_id = _issue_in_process(data_dir, env={"INSIGNE_SUSPENSION_ENTRY": "1"})

    suspended = output(
        insigne(data_dir, "credentials", "suspend", credential_id, "--reason", "vérification")
    )
    reinstated = output(
        insigne(data_dir, "credentials", "reinstate", credential_id, "--reason", "vérifié")
    )
    revoked = output(
        insigne(data_dir, "credentials", "revoke", credential_id, "--reason", "erreur")
    )
    again = output(insigne(data_dir, "credentials", "revoke", credential_id, "--reason", "x"))
    refused = insigne(data_dir, "credentials", "reinstate", credential_id, "--reason", "non")

    assert [suspended["status"], reinstated["status"], revoked["status"]] == [
        "suspended",
        "active",
        "revoked",
    ]
    assert again["changed"] is False
    assert again["reason"] == "erreur"
    assert refused.returncode == 2
    assert "final" in refused.stderr


def test_keys_compromise_rotates_an_active_key_out(data_dir: Path) -> None:
    output(insigne(data_dir, "demo"))
    did = output(insigne(data_dir, "keys", "rotate", "--issuer", "reseau-demo"))
    active = did["verificationMethods"][0].split("#")[1]

    marked = output(
        insigne(
            data_dir,
            "keys",
            "compromise",
            "--issuer",
            "reseau-demo",
            "--key",
            active,
            "--since",
            "2026-11-30T00:00:00+00:00",
        )
    )

    assert len(marked["verificationMethods"]) == 2
    assert active not in marked["verificationMethods"][0]


def test_keys_rotate_kek_re_encrypts_every_key(data_dir: Path) -> None:
    output(insigne(data_dir, "demo"))
    old_key = (data_dir / "key-encryption-key").read_text()

    rotated = output(insigne(data_dir, "keys", "rotate-kek"))

    assert rotated["issuerKeys"] >= 2
    assert (data_dir / "key-encryption-key.old").read_text() == old_key
    assert (data_dir / "key-encryption-key").read_text() != old_key
    assert (data_dir / "key-encryption-key").stat().st_mode & 0o077 == 0
    _issue_in_process(data_dir, "après-kek")  # the keys open under the new KEK


def test_the_installed_entry_point_reads_its_environment(tmp_path: Path) -> None:
    """The `insigne` script pip installs, in a process of its own, as an operator runs it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIGNE_")}
    env["INSIGNE_DATA_DIR"] = str(tmp_path)
    script = Path(sys.executable).parent / "insigne"
    assert insigne(tmp_path, "db", "upgrade").returncode == 0

    demo = subprocess.run([script, "demo"], env=env, capture_output=True, text=True, timeout=120)

    assert demo.returncode == 0, demo.stderr
    assert json.loads(demo.stdout)["achievement"] == "leadership-pedagonumerique-1-explorateur"


def test_a_command_says_nothing_of_alembics_plugins(tmp_path: Path) -> None:
    """Every command reads the migrations' head: Alembic's INFO lines about it are not news."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIGNE_")}
    env["INSIGNE_DATA_DIR"] = str(tmp_path)
    script = Path(sys.executable).parent / "insigne"
    assert insigne(tmp_path, "db", "upgrade").returncode == 0

    listed = subprocess.run(
        [script, "clients", "list"], env=env, capture_output=True, text=True, timeout=120
    )

    assert listed.returncode == 0, listed.stderr
    assert "alembic.runtime.plugins" not in listed.stderr
