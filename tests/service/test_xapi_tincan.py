"""ADL's own xAPI client (PyPI ``tincan``, pinned) against a real server, set up by the CLI.

The server runs in a subprocess on a loopback port against a SQLite file, as ``make run``
serves it; the mapping and the account's e-mail are given with ``insigne xapi``. tincan
posts Moodle's fixture statements (batches with POST, a statement with an id with PUT).
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tincan import RemoteLRS, Statement  # type: ignore[import-untyped]

from service.domain.demo import ACHIEVEMENT_SLUG
from tests.processes import free_port, wait_for
from tests.service.factories import ANSWERS
from tests.service.xapi_fixtures import SITE, answer, completed, fixture

ROOT = Path(__file__).resolve().parents[2]
COURSE = "http://www.example.org/course/view.php?id=7"
ITEMS = {
    key: f"http://www.example.org/mod/feedback/edit_item.php?id={n}"
    for n, key in enumerate(ANSWERS, 11)
}


@dataclass(frozen=True)
class Server:
    base: str
    env: dict[str, str]
    client_id: str
    client_secret: str
    admin_token: str


def insigne(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("xapi")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "INSIGNE_DATA_DIR": str(data), "INSIGNE_PUBLIC_URL": base}
    env.pop("INSIGNE_DATABASE_URL", None)
    insigne(env, "db", "upgrade")
    demo = insigne(env, "demo")
    admin = insigne(
        env, "clients", "create", "--name", "Admin", "--scope", "admin", "--issuer", "reseau-demo"
    )
    answers = [f"--answer={key}={iri}" for key, iri in ITEMS.items()]
    insigne(env, "xapi", "mappings", "create", "--client", demo["clientId"],
            "--achievement", ACHIEVEMENT_SLUG, "--completed", COURSE, *answers)  # fmt: skip
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"{base}/health", process, data / "server.log")
        token = httpx.post(
            f"{base}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(admin["clientId"], admin["clientSecret"]),
        ).json()["access_token"]
        yield Server(base, env, demo["clientId"], demo["clientSecret"], token)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _lrs(server: Server) -> RemoteLRS:
    return RemoteLRS(
        endpoint=f"{server.base}/xapi/",
        version="1.0.3",
        username=server.client_id,
        password=server.client_secret,
    )


def _statements(documents: list[dict[str, Any]]) -> list[Statement]:
    return [Statement.from_json(json.dumps(document)) for document in documents]


def _badges(server: Server, email: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server.base}/api/v1/credentials",
        params={"email": email},
        headers={"Authorization": f"Bearer {server.admin_token}"},
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_tincan_posts_an_mbox_learners_statements(server: Server) -> None:
    email = "tincan.mbox@exemple.qc.ca"
    lrs = _lrs(server)
    answers = _statements([answer(ITEMS[key], text, email) for key, text in ANSWERS.items()])

    saved = lrs.save_statements(answers)
    assert saved.success, saved.data
    assert all(statement.id is not None for statement in saved.content)  # the ids we assigned
    assert _badges(server, email) == []
    [course] = _statements(
        [completed(email, COURSE) | {"id": "9a5e4c0e-5d7b-4e7c-9d3e-1f2a3b4c5d6e"}]
    )
    put = lrs.save_statement(course)  # with an id: PUT ?statementId=…, 204
    assert put.success, put.data
    again = lrs.save_statement(course)
    assert again.success, again.data

    [badge] = _badges(server, email)
    assert badge["achievement"] == ACHIEVEMENT_SLUG
    assert badge["name"] == "test_fullname"


def test_tincan_posts_an_account_learner_held_until_the_cli_tells_its_email(
    server: Server,
) -> None:
    """The fixture's account actor (Moodle with mbox off), its e-mail told by the CLI."""
    email = "tincan.account@exemple.qc.ca"
    actor = fixture("core.course_completed.completing_existing_course")[0]["actor"]
    actor["account"]["name"] = "77"
    documents = [
        completed(email, COURSE),
        *(answer(ITEMS[k], t, email) for k, t in ANSWERS.items()),
    ]
    for document in documents:
        document["actor"] = actor

    saved = _lrs(server).save_statements(_statements(documents))
    assert saved.success, saved.data
    [held] = insigne(server.env, "xapi", "pending", "--client", server.client_id)
    assert held["statements"] == 4
    assert _badges(server, email) == []

    insigne(server.env, "xapi", "accounts", "set", "--client", server.client_id,
            "--home-page", SITE, "--name", "77", "--email", email)  # fmt: skip

    assert len(_badges(server, email)) == 1
    assert insigne(server.env, "xapi", "pending", "--client", server.client_id) == []
