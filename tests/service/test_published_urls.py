"""Every URL in an issued credential resolves; what is served is what was signed."""

import base64
import json
import re
from typing import Any

import httpx

from openbadges.models import OB_EXTENSIONS_CONTEXT
from tests.databases import ScratchDatabase
from tests.service.conftest import PUBLIC_URL, Getter
from tests.service.factories import completion
from tests.service.test_units_of_work import count_statements

_URL = re.compile(r"^https?://")


def _urls(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value} if _URL.match(value) else set()
    if isinstance(value, dict):
        return {url for member in value.values() for url in _urls(member)}
    if isinstance(value, list):
        return {url for member in value for url in _urls(member)}
    return set()


def _did_web_url(did: str) -> str:
    host, *path = did.removeprefix("did:web:").split("#")[0].split(":")
    return f"http://{host.replace('%3A', ':')}/{'/'.join(path)}/did.json"


async def _issue(client: httpx.AsyncClient, access: str, **changes: Any) -> httpx.Response:
    response = await client.post(
        "/api/v1/completions",
        json=completion(**changes),
        headers={"Authorization": f"Bearer {access}"},
    )
    assert response.status_code == 201, response.text
    return response


async def test_every_url_in_a_fresh_credential_resolves(
    client: httpx.AsyncClient, token: Getter
) -> None:
    access = await token()
    issued = (await _issue(client, access)).json()
    credential, jwt = issued["credential"], issued["jwt"]
    ours = {url for url in _urls(credential) if url.startswith(PUBLIC_URL)}
    ours.add(_did_web_url(credential["issuer"]["id"]))
    kid = json.loads(_b64(jwt.split(".")[0]))["kid"]
    assert kid.startswith(credential["issuer"]["id"] + "#")  # a DID URL: its document is listed
    ours.add(_did_web_url(kid))
    kinds = {url.removeprefix(PUBLIC_URL).split("/")[1] for url in ours}
    assert kinds == {"credentials", "achievements", "evidence", "status", "issuers"}

    for url in sorted(ours):
        private = "/evidence/" in url
        headers = {"Authorization": f"Bearer {access}"} if private else {}
        response = await client.get(url.split("#")[0], headers=headers)
        assert response.status_code == 200, (url, response.text)


async def test_achievement_and_issuer_documents_are_open_badges_json_ld(
    client: httpx.AsyncClient, token: Getter
) -> None:
    credential = (await _issue(client, await token())).json()["credential"]
    achievement = (await client.get(credential["credentialSubject"]["achievement"]["id"])).json()
    profile = (await client.get(f"{PUBLIC_URL}/issuers/reseau-demo")).json()

    embedded = {k: v for k, v in achievement.items() if k != "@context"}
    assert embedded == credential["credentialSubject"]["achievement"]
    # The credential adds the extensions context its credentialSchema's type needs.
    assert credential["@context"] == [*achievement["@context"], OB_EXTENSIONS_CONTEXT]
    assert {k: v for k, v in profile.items() if k != "@context"} == credential["issuer"]


async def test_the_served_credential_is_the_signed_bytes(
    client: httpx.AsyncClient, token: Getter
) -> None:
    access = await token()
    response = await _issue(client, access)
    credential_id = response.json()["id"]
    public = await client.get(f"/credentials/{credential_id}")
    suffixed = await client.get(f"/credentials/{credential_id}.json")
    api = await client.get(
        f"/api/v1/credentials/{credential_id}", headers={"Authorization": f"Bearer {access}"}
    )
    replay = await client.post(
        "/api/v1/completions", json=completion(), headers={"Authorization": f"Bearer {access}"}
    )

    stored = public.content
    assert suffixed.content == stored
    for envelope in (response, api, replay):
        assert b'"credential":' + stored + b"," in envelope.content
    assert public.headers["content-type"].startswith("application/vc+ld+json")


async def test_a_completion_and_a_read_need_few_statements(
    client: httpx.AsyncClient, token: Getter, database: ScratchDatabase
) -> None:
    access = await token()
    await _issue(client, access, external_id="chauffe")  # the issuer's first status list
    statements = count_statements(database)
    issued = (await _issue(client, access, external_id="mesuré")).json()
    per_completion = len(statements)
    statements.clear()
    await client.get(f"/credentials/{issued['id']}")
    per_read = len(statements)

    # token's client 1; prepare 5 (retry, achievement, the issuer with its active keys, the
    # event's webhook endpoints, a status index); store 1 on PostgreSQL (every row, the keys
    # held: `service.db.award_writes`), 6 steps on SQLite (the keys still active, learner,
    # completion, evidence, credential, audit). The two key reads are the price of key changes
    # made by any process taking effect at once (no per-process key cache).
    assert per_completion == (7 if database.backend == "postgres" else 12), statements
    assert per_read == 1


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


async def test_verifying_an_own_badge_reads_each_document_once(
    client: httpx.AsyncClient, token: Getter, database: ScratchDatabase
) -> None:
    issued = (await _issue(client, await token(), external_id="vérifié")).json()
    statements = count_statements(database)
    report = await client.post("/api/v1/verifications", json={"credential": issued["credential"]})

    assert report.json()["verdict"] == "valid", report.text
    # the issuer's DID document (issuer, keys), both status lists, whether the issuer is
    # hosted here; the key-compromise check reuses the DID document (it read it again: 7)
    assert len(statements) <= 5, "\n".join(s[:100] for s in statements)
