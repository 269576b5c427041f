"""Independent wallets collect a badge from a served Insigne, on SQLite and PostgreSQL.

- The Learner Credential Wallet's algorithm on the DCC's npm libraries (did:key holder,
  Ed25519Signature2020 presentation by ``@digitalcredentials/vc``), through the interaction
  URL (QR code) and through the ``lcw.app`` deep link, then ``verifier-core`` on the badge.
- ``@openid4vc/openid4vci`` (the Credo stack's client): offer, metadata (read as 1.0), token
  with and without a transaction code, credential (with and without a proof JWT),
  notification; then ``verifier-core``.

What the wallet receives must be the stored credential, byte for byte. The server runs two
processes, so the steps of one exchange reach either: its state is in the database alone.
"""

import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.processes import free_port, scratch_database, stop, wait_for
from tests.service.factories import completion
from tests.service.wallet_holder import holder_key, presentation
from tests.wallet.clients import run_client

ROOT = Path(__file__).resolve().parents[2]
PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@dataclass(frozen=True)
class Served:
    base: str
    platform: dict[str, str]  # Authorization header of the demo platform


def _insigne(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@contextlib.contextmanager
def _database(backend: str, data: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{data / 'insigne.db'}"
    else:
        with scratch_database() as url:
            yield url


# The clients run against the deployment they meet in production: two processes on PostgreSQL
# (the in-process wallet tests, test_wallet.py, cover both backends).
@pytest.fixture(scope="module", params=["postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("wallet")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with _database(request.param, data) as url:
        env = {
            **os.environ,
            "INSIGNE_DATA_DIR": str(data),
            "INSIGNE_DATABASE_URL": url,
            "INSIGNE_PUBLIC_URL": base,
            "INSIGNE_RATE_LIMIT_ANONYMOUS": "100000/minute",
            "INSIGNE_WEBHOOK_WORKER": "0",
        }
        _insigne(env, "db", "upgrade")
        demo = json.loads(_insigne(env, "demo"))
        log_path = data / "server.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "service",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",  # two processes: each step of an exchange may reach either
                    "2",
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_for(f"{base}/health", process, log_path)
                access = httpx.post(
                    f"{base}/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(demo["clientId"], demo["clientSecret"]),
                ).json()["access_token"]
                yield Served(base, {"Authorization": f"Bearer {access}"})
            finally:
                stop(process)


def _issue(served: Served, external_id: str) -> dict[str, Any]:
    response = httpx.post(
        f"{served.base}/api/v1/completions",
        json=completion(external_id),
        headers=served.platform,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def _offer(served: Served, credential_id: str) -> dict[str, Any]:
    response = httpx.post(
        f"{served.base}/api/v1/credentials/{credential_id}/wallet-offer",
        headers=served.platform,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def _stored(served: Served, credential_id: str) -> bytes:
    return httpx.get(f"{served.base}/credentials/{credential_id}.json", timeout=30).content


def _signature_and_status_valid(result: dict[str, Any]) -> None:
    """verifier-core's reading: no error; signature, status and expiry steps valid (the demo
    issuer is in no DCC registry, so the registry step alone is left out)."""
    assert not result.get("errors"), result
    steps = {step["id"]: step["valid"] for step in result["log"]}
    assert steps["valid_signature"] is True, steps
    assert steps["revocation_status"] is True, steps
    assert steps["expiration"] is True, steps


@pytest.mark.parametrize("way", ["interactionUrl", "lcwUrl"])
def test_the_learner_credential_wallet_collects_the_badge(served: Served, way: str) -> None:
    issued = _issue(served, f"lcw-{way}")
    made = _offer(served, issued["id"])

    received = run_client("lcw", made[way])

    stored = _stored(served, issued["id"])
    assert b'"verifiableCredential":[' + stored + b"]" in received["raw"].encode()
    assert received["credentials"] == [json.loads(stored)]
    assert received["redirectUrl"] == issued["url"]
    proof = received["presentation"]["proof"]
    assert proof["type"] == "Ed25519Signature2020"
    assert received["presentation"]["holder"] == received["holder"]
    _signature_and_status_valid(received["verified"][0])
    again = httpx.post(
        made["interactionUrl"].split("?")[0].replace("/interactions/", "/exchanges/"), json={}
    )
    assert again.status_code == 410


def _tx_code_offer(served: Served, issued: dict[str, Any]) -> tuple[str, str]:
    page = httpx.post(
        f"{issued['manageUrl']}/wallet", data={"txCode": "on", "lang": "fr"}, timeout=30
    )
    assert page.status_code == 200, page.text
    offer = re.search(r'data-wallet-offer="([^"]+)"', page.text)
    code = re.search(r'data-wallet-tx-code="(\d+)"', page.text)
    assert offer is not None
    assert code is not None
    return offer.group(1).replace("&amp;", "&"), code.group(1)


@pytest.mark.parametrize("tx_code", [False, True], ids=["no-tx-code", "tx-code"])
def test_an_openid4vci_wallet_collects_the_badge(served: Served, tx_code: bool) -> None:
    issued = _issue(served, f"oid4vci-{tx_code}")
    if tx_code:
        offer, code = _tx_code_offer(served, issued)
    else:
        offer, code = _offer(served, issued["id"])["credentialOffer"], ""

    received = run_client("oid4vci", offer, code, "proof" if tx_code else "")

    assert received["version"] == "V1"
    assert received["credentials"] == [json.loads(_stored(served, issued["id"]))]
    assert received["notificationStatus"] == 204
    _signature_and_status_valid(received["verified"][0])


def test_racing_wallets_collect_an_offer_once(served: Served) -> None:
    """Ten copies of one valid presentation, and ten token requests with one code, at once:
    the database lets exactly one of each through (the server answers them in parallel)."""
    issued = _issue(served, "race-vcapi")
    made = _offer(served, issued["id"])
    exchange = httpx.get(made["interactionUrl"], timeout=30).json()["protocols"]["vcapi"]
    request = httpx.post(exchange, json={}, timeout=30).json()["verifiablePresentationRequest"]
    sent = {
        "verifiablePresentation": presentation(
            holder_key(), challenge=request["challenge"], domain=request["domain"]
        )
    }
    other = _offer(served, _issue(served, "race-oid4vci")["id"])
    offer_uri = parse_qs(urlsplit(other["credentialOffer"]).query)["credential_offer_uri"][0]
    grant = httpx.get(offer_uri, timeout=30).json()["grants"][PRE_AUTHORIZED]
    form = {"grant_type": PRE_AUTHORIZED, "pre-authorized_code": grant["pre-authorized_code"]}

    with ThreadPoolExecutor(max_workers=20) as pool:
        presented = list(pool.map(lambda _: httpx.post(exchange, json=sent, timeout=60), range(10)))
        tokens = list(
            pool.map(
                lambda _: httpx.post(f"{served.base}/wallet/token", data=form, timeout=60),
                range(10),
            )
        )

    assert sorted(r.status_code for r in presented) == [200] + [410] * 9
    assert sorted(r.status_code for r in tokens) == [200] + [400] * 9
