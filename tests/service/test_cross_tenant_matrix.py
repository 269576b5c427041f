"""Every REST operation and every GraphQL root field, asked by the other tenant's callers.

Two issuers, each with an admin and a platform (every non-admin scope), and a portfolio reader
linked to each. For each direction, the attacking side (the other issuer's admin, platform and
reader, plus anonymous callers) sends, for every operation of the committed OpenAPI document and
every root field of the GraphQL schema, a request aimed at the victim's data: its slugs and ids
in paths, its learner's e-mail, its achievement in bodies. Then:

- no answer to the attacking side carries the victim's private data (its learner's e-mail, a
  private reflection, its webhook's address, its xAPI account name, its manage link);
- everything the victim's own callers see of their data is unchanged, view by view.

A new operation or root field without a row here fails the coverage test. The figures (requests,
reads, effects) are printed (run with -s).
"""

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from graphql import build_schema

from service.app import GRAPHQL_SDL_PATH
from service.domain.demo import ISSUER_SLUG
from service.export import OPENAPI_PATH
from tests.service.achievements.conftest import definition
from tests.service.conftest import OTHER, Getter, Headers, MakeClient, bearer
from tests.service.factories import completion

PLATFORM_SCOPES = {"completions:write", "credentials:read", "credentials:revoke", "webhooks:manage"}
REFLECTION = "Ma réflexion confidentielle sur « l'équipe-école » : {slug}, ne pas publier."
Call = tuple[str, str, Headers, Any]


@dataclass
class Side:
    """One issuer and what the test knows of it once it is set up."""

    slug: str
    admin: Headers
    platform: Headers
    reader: Headers
    platform_id: str = ""
    email: str = ""
    achievement: str = ""
    track: str = ""
    credential: str = ""
    evidence: str = ""
    status: str = ""
    key: str = ""
    image: str = ""
    webhook: str = ""
    delivery: str = ""
    mapping: str = ""
    account: str = ""
    manage: str = ""
    learner_gid: str = ""
    transcript: str = ""
    issuer_gid: str = ""
    credential_gid: str = ""
    secrets: list[str] = field(default_factory=list)


async def _side(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient, slug: str
) -> Side:
    if slug != ISSUER_SLUG:
        creator_id, creator_secret = await make_client(scopes={"admin"})
        creator = bearer(await token(None, creator_id, creator_secret))
        created = await client.post(
            "/api/v1/issuers",
            json={"slug": slug, "name": f"Réseau {slug}", "url": f"https://{slug}.exemple.qc.ca",
                  "email": f"badges@{slug}.exemple.qc.ca"},
            headers=creator,
        )  # fmt: skip
        assert created.status_code == 201, created.text
    admin_id, admin_secret = await make_client(scopes={"admin"}, issuers={slug})
    platform_id, platform_secret = await make_client(scopes=PLATFORM_SCOPES, issuers={slug})
    reader_id, reader_secret = await make_client(scopes={"portfolio:read"}, issuers={slug})
    side = Side(
        slug,
        bearer(await token(None, admin_id, admin_secret)),
        bearer(await token(None, platform_id, platform_secret)),
        bearer(await token(None, reader_id, reader_secret)),
        platform_id=platform_id,
        email=f"apprenante.{slug}@exemple.qc.ca",
        achievement=f"atelier-{slug}",
        track=f"parcours-{slug}",
    )
    reflection = REFLECTION.format(slug=slug)
    setup: list[Call] = [
        ("POST", "/api/v1/tracks", side.admin,
         {"slug": side.track, "issuer": slug, "name": f"Parcours {slug}", "requiresPreviousLevel": True}),
        ("POST", "/api/v1/achievements", side.admin,
         definition(issuer=slug, slug=side.achievement, track=f"Parcours {slug}", level=1, levelName="N1")),
    ]  # fmt: skip
    for method, path, headers, body in setup:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 201, response.text
    issued = await client.post(
        "/api/v1/completions",
        json=completion(
            f"{slug}-1",
            achievement=side.achievement,
            learner={"email": side.email, "name": f"Apprenante {slug}"},
            reflections=[{"prompt": "essai", "answer": reflection}],
        ),
        headers=side.platform,
    )
    assert issued.status_code == 201, issued.text
    badge = issued.json()
    local = len("http://localhost:8000")
    side.credential = badge["id"]
    side.manage = badge["manageUrl"][local:]
    side.evidence = badge["credential"]["evidence"][0]["id"][local:]
    side.status = badge["credential"]["credentialStatus"]["statusListCredential"][local:]
    side.image = badge["credential"]["credentialSubject"]["achievement"]["image"]["id"][local:]
    did = (await client.get(f"/issuers/{slug}/did.json")).json()
    side.key = did["verificationMethod"][0]["id"].rsplit("#", 1)[1]

    hook = f"https://93.184.216.34/hooks/{uuid.uuid4().hex}"
    registered = await client.post(
        "/api/v1/webhooks", json={"url": hook, "events": ["credential.revoked"]},
        headers=side.platform,
    )  # fmt: skip
    assert registered.status_code == 201, registered.text
    side.webhook = registered.json()["id"]
    revoked = await client.post(
        "/api/v1/completions",
        json=completion(f"{slug}-2", achievement=side.achievement,
                        learner={"email": side.email, "name": f"Apprenante {slug}"},
                        reflections=[{"prompt": "essai", "answer": reflection}]),
        headers=side.platform,
    )  # fmt: skip
    assert revoked.status_code == 201, revoked.text
    gone = await client.post(
        f"/api/v1/credentials/{revoked.json()['id']}/revoke",
        json={"reason": "doublon"},
        headers=side.platform,
    )
    assert gone.status_code == 200, gone.text
    deliveries = await client.get(
        f"/api/v1/webhooks/{side.webhook}/deliveries", headers=side.platform
    )
    assert deliveries.status_code == 200, deliveries.text
    side.delivery = deliveries.json()[0]["id"]

    mapping = await client.post(
        "/api/v1/xapi-mappings",
        json={"achievement": side.achievement,
              "completedActivity": f"https://moodle.{slug}.exemple.qc.ca/course/view.php?id=7",
              "answers": {"essai": f"https://moodle.{slug}.exemple.qc.ca/mod/feedback/item=1"}},
        headers=side.platform,
    )  # fmt: skip
    assert mapping.status_code == 201, mapping.text
    side.mapping = mapping.json()["id"]
    side.account = f"compte-secret-{uuid.uuid4().hex[:8]}"
    account = await client.post(
        "/api/v1/xapi-accounts",
        json=[{"homePage": f"https://moodle.{slug}.exemple.qc.ca", "name": side.account,
               "email": side.email}],
        headers=side.platform,
    )  # fmt: skip
    assert account.status_code == 204, account.text

    found = await client.post(
        "/graphql",
        json={"query": "query($e: String!) { learner(email: $e) { id credentials { nodes { id issuer { id } } } } }",
              "variables": {"e": side.email}},
        headers=side.reader,
    )  # fmt: skip
    learner = found.json()["data"]["learner"]
    side.learner_gid = learner["id"]
    side.credential_gid = learner["credentials"]["nodes"][0]["id"]
    side.issuer_gid = learner["credentials"]["nodes"][0]["issuer"]["id"]
    record = await client.get(
        f"/api/v1/learners/{side.learner_gid}/transcript", headers=side.reader
    )
    assert record.status_code == 200, record.text
    side.transcript = record.json()["id"][len("http://localhost:8000") :]
    side.secrets = [side.email, reflection, hook, side.account, side.manage.rsplit("/", 1)[1]]
    return side


# --- the attacks: one row per operation of the OpenAPI document -------------------------------

Attack = Callable[[Side], tuple[str, Any]]  # (path with query, JSON body or None)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _statement(v: Side) -> list[dict[str, Any]]:
    return [{
        "actor": {"name": "Pirate", "mbox": f"mailto:{v.email}"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": f"https://moodle.{v.slug}.exemple.qc.ca/course/view.php?id=7",
                   "objectType": "Activity"},
        "timestamp": "2026-11-20T14:03:12-05:00",
    }]  # fmt: skip


GUESS = "d3ZpbmUtbGEtcmVmZXJlbmNl"
# Operations on the victim's own resources: the other side never gets a 2xx from them. (A
# learner's transcript holds only badges the caller may list anyway: the policy's, not these.)
REFUSED = {
    "PATCH /api/v1/achievements/{slug}",
    "POST /api/v1/achievements/{slug}/archive",
    "PUT /api/v1/achievements/{slug}/image",
    "GET /api/v1/clients/{client_id}",
    "POST /api/v1/clients/{client_id}/disable",
    "POST /api/v1/clients/{client_id}/renew-secret",
    "POST /api/v1/completions",
    "GET /api/v1/credentials/{credential_id}",
    "POST /api/v1/credentials/{credential_id}/manage-link",
    "POST /api/v1/credentials/{credential_id}/reinstate",
    "POST /api/v1/credentials/{credential_id}/revoke",
    "POST /api/v1/credentials/{credential_id}/suspend",
    "POST /api/v1/credentials/{credential_id}/wallet-offer",
    "PATCH /api/v1/issuers/{slug}",
    "POST /api/v1/issuers/{slug}/keys/rotate",
    "POST /api/v1/issuers/{slug}/keys/{key_name}/compromise",
    "PATCH /api/v1/tracks/{slug}",
    "DELETE /api/v1/webhooks/{webhook_id}",
    "GET /api/v1/webhooks/{webhook_id}/deliveries",
    "POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
    "DELETE /api/v1/xapi-mappings/{mapping_id}",
    "GET /evidence/{evidence_id}",
}
ATTACKS: dict[str, Attack] = {
    "GET /achievements/{slug}": lambda v: (f"/achievements/{v.achievement}", None),
    "GET /api/v1/achievements": lambda v: (f"/api/v1/achievements?issuer={v.slug}", None),
    "POST /api/v1/achievements": lambda v: (
        "/api/v1/achievements",
        definition(issuer=v.slug, slug=f"intrus-{v.slug}", track=f"Parcours {v.slug}", level=2),
    ),
    "GET /api/v1/achievements/{slug}": lambda v: (f"/api/v1/achievements/{v.achievement}", None),
    "PATCH /api/v1/achievements/{slug}": lambda v: (
        f"/api/v1/achievements/{v.achievement}",
        {"name": "Piraté", "level": 3},
    ),
    "POST /api/v1/achievements/{slug}/archive": lambda v: (
        f"/api/v1/achievements/{v.achievement}/archive",
        None,
    ),
    "PUT /api/v1/achievements/{slug}/image": lambda v: (
        f"/api/v1/achievements/{v.achievement}/image",
        PNG,
    ),
    "GET /api/v1/audit": lambda v: (f"/api/v1/audit?issuer={v.slug}&limit=200", None),
    "GET /api/v1/clients": lambda v: ("/api/v1/clients?limit=200", None),
    "POST /api/v1/clients": lambda v: (
        "/api/v1/clients",
        {"name": "intrus", "scopes": ["admin"], "issuers": [v.slug]},
    ),
    "GET /api/v1/clients/{client_id}": lambda v: (f"/api/v1/clients/{v.platform_id}", None),
    "POST /api/v1/clients/{client_id}/disable": lambda v: (
        f"/api/v1/clients/{v.platform_id}/disable",
        None,
    ),
    "POST /api/v1/clients/{client_id}/renew-secret": lambda v: (
        f"/api/v1/clients/{v.platform_id}/renew-secret",
        None,
    ),
    "POST /api/v1/completions": lambda v: (
        "/api/v1/completions",
        completion(
            f"{v.slug}-1",
            achievement=v.achievement,
            learner={"email": v.email, "name": "Pirate"},
            reflections=[{"prompt": "essai", "answer": "x" * 40}],
        ),
    ),
    "POST /api/v1/completions/batch": lambda v: (
        "/api/v1/completions/batch",
        {
            "completions": [
                completion(
                    f"{v.slug}-9",
                    achievement=v.achievement,
                    learner={"email": v.email, "name": "Pirate"},
                    reflections=[{"prompt": "essai", "answer": "x" * 40}],
                )
            ]
        },
    ),
    "GET /api/v1/credentials": lambda v: (
        f"/api/v1/credentials?issuer={v.slug}&email={v.email}",
        None,
    ),
    "GET /api/v1/credentials/{credential_id}": lambda v: (
        f"/api/v1/credentials/{v.credential}",
        None,
    ),
    "POST /api/v1/credentials/{credential_id}/manage-link": lambda v: (
        f"/api/v1/credentials/{v.credential}/manage-link",
        None,
    ),
    "POST /api/v1/credentials/{credential_id}/reinstate": lambda v: (
        f"/api/v1/credentials/{v.credential}/reinstate",
        {"reason": "intrus"},
    ),
    "POST /api/v1/credentials/{credential_id}/revoke": lambda v: (
        f"/api/v1/credentials/{v.credential}/revoke",
        {"reason": "intrus"},
    ),
    "POST /api/v1/credentials/{credential_id}/suspend": lambda v: (
        f"/api/v1/credentials/{v.credential}/suspend",
        {"reason": "intrus"},
    ),
    "GET /api/v1/issuers": lambda v: ("/api/v1/issuers", None),
    "POST /api/v1/issuers": lambda v: (
        "/api/v1/issuers",
        {
            "slug": v.slug,
            "name": "Piraté",
            "url": "https://pirate.example",
            "email": "pirate@pirate.example",
        },
    ),
    "GET /api/v1/issuers/{slug}": lambda v: (f"/api/v1/issuers/{v.slug}", None),
    "PATCH /api/v1/issuers/{slug}": lambda v: (f"/api/v1/issuers/{v.slug}", {"name": "Piraté"}),
    "POST /api/v1/issuers/{slug}/keys/rotate": lambda v: (
        f"/api/v1/issuers/{v.slug}/keys/rotate",
        None,
    ),
    "POST /api/v1/issuers/{slug}/keys/{key_name}/compromise": lambda v: (
        f"/api/v1/issuers/{v.slug}/keys/{v.key}/compromise",
        {"since": "2026-01-01T00:00:00Z"},
    ),
    "GET /api/v1/tracks": lambda v: ("/api/v1/tracks", None),
    "POST /api/v1/tracks": lambda v: (
        "/api/v1/tracks",
        {
            "slug": v.track,
            "issuer": v.slug,
            "name": f"Parcours {v.slug}",
            "requiresPreviousLevel": False,
        },
    ),
    "PATCH /api/v1/tracks/{slug}": lambda v: (
        f"/api/v1/tracks/{v.track}",
        {"requiresPreviousLevel": False},
    ),
    "GET /api/v1/verifications": lambda v: (
        f"/api/v1/verifications?url=http://localhost:8000/credentials/{v.credential}"
        f"&email={v.email}",
        None,
    ),
    "POST /api/v1/verifications": lambda v: (
        "/api/v1/verifications",
        {"url": f"http://localhost:8000/credentials/{v.credential}"},
    ),
    "GET /api/v1/webhooks": lambda v: ("/api/v1/webhooks", None),
    "POST /api/v1/webhooks": lambda v: (
        "/api/v1/webhooks",
        {"url": "https://93.184.216.34/espion", "events": ["credential.issued"]},
    ),
    "DELETE /api/v1/webhooks/{webhook_id}": lambda v: (f"/api/v1/webhooks/{v.webhook}", None),
    "GET /api/v1/webhooks/{webhook_id}/deliveries": lambda v: (
        f"/api/v1/webhooks/{v.webhook}/deliveries",
        None,
    ),
    "POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay": lambda v: (
        f"/api/v1/webhooks/{v.webhook}/deliveries/{v.delivery}/replay",
        None,
    ),
    "POST /api/v1/xapi-accounts": lambda v: (
        "/api/v1/xapi-accounts",
        [
            {
                "homePage": f"https://moodle.{v.slug}.exemple.qc.ca",
                "name": v.account,
                "email": "pirate@pirate.example",
            }
        ],
    ),
    "GET /api/v1/xapi-mappings": lambda v: ("/api/v1/xapi-mappings", None),
    "POST /api/v1/xapi-mappings": lambda v: (
        "/api/v1/xapi-mappings",
        {
            "achievement": v.achievement,
            "completedActivity": f"https://moodle.{v.slug}.exemple.qc.ca/course/view.php?id=8",
            "answers": {"essai": f"https://moodle.{v.slug}.exemple.qc.ca/mod/feedback/item=2"},
        },
    ),
    "DELETE /api/v1/xapi-mappings/{mapping_id}": lambda v: (
        f"/api/v1/xapi-mappings/{v.mapping}",
        None,
    ),
    "GET /api/v1/xapi-pending": lambda v: ("/api/v1/xapi-pending", None),
    "GET /credentials/{reference}": lambda v: (f"/credentials/{v.credential}", None),
    "GET /evidence/{evidence_id}": lambda v: (v.evidence, None),
    "GET /health": lambda v: ("/health", None),
    "GET /images/{name}": lambda v: (v.image, None),
    "GET /issuers/{slug}": lambda v: (f"/issuers/{v.slug}", None),
    "GET /issuers/{slug}/did.json": lambda v: (f"/issuers/{v.slug}/did.json", None),
    "GET /issuers/{slug}/keys/{name}": lambda v: (f"/issuers/{v.slug}/keys/{v.key}", None),
    "POST /oauth/token": lambda v: ("/oauth/token", None),
    "GET /ready": lambda v: ("/ready", None),
    "GET /status/{list_id}": lambda v: (v.status, None),
    "GET /xapi/about": lambda v: ("/xapi/about", None),
    "GET /api/v1/learners/{learner}/transcript": lambda v: (
        f"/api/v1/learners/{v.learner_gid}/transcript",
        None,
    ),
    "GET /transcripts/{reference}": lambda v: (v.transcript, None),
    "POST /api/v1/credentials/{credential_id}/wallet-offer": lambda v: (
        f"/api/v1/credentials/{v.credential}/wallet-offer",
        None,
    ),
    # the wallet's own doors: an offer's reference or code is its capability, never guessed
    "GET /.well-known/openid-credential-issuer": lambda v: (
        "/.well-known/openid-credential-issuer",
        None,
    ),
    "GET /.well-known/oauth-authorization-server": lambda v: (
        "/.well-known/oauth-authorization-server",
        None,
    ),
    "GET /wallet/interactions/{reference}": lambda v: (f"/wallet/interactions/{GUESS}?iuv=1", None),
    "GET /wallet/offers/{reference}": lambda v: (f"/wallet/offers/{GUESS}", None),
    "POST /wallet/exchanges/{reference}": lambda v: (f"/wallet/exchanges/{GUESS}", {}),
    "POST /wallet/token": lambda v: ("/wallet/token", None),
    "POST /wallet/nonce": lambda v: ("/wallet/nonce", None),
    "POST /wallet/credential": lambda v: (
        "/wallet/credential",
        {"credential_configuration_id": "OpenBadgeCredential"},
    ),
    "POST /wallet/notification": lambda v: (
        "/wallet/notification",
        {"notification_id": str(uuid.uuid4()), "event": "credential_deleted"},
    ),
    "POST /xapi/statements": lambda v: ("/xapi/statements", _statement(v)),
    "PUT /xapi/statements": lambda v: (
        f"/xapi/statements?statementId={uuid.uuid4()}",
        _statement(v)[0],
    ),
}

# --- and one query per root field of the GraphQL schema -----------------------------------------

CREDENTIAL = """id url status awardedAt achievement { slug name track level } issuer { slug name }
  evidence { prompt answer digest } document jwt"""
GRAPHQL: dict[str, Callable[[Side], tuple[str, dict[str, Any]]]] = {
    "node": lambda v: (
        f"query($id: ID!) {{ node(id: $id) {{ id ... on Credential {{ {CREDENTIAL} }} }} }}",
        {"id": v.credential_gid},
    ),
    "learner": lambda v: (
        f"query($e: String, $id: ID) {{ a: learner(email: $e) {{ id name levels {{ track level }} "
        f"alignments {{ __typename }} credentials {{ totalCount nodes {{ {CREDENTIAL} }} }} "
        f"transcript {{ url credentialCount totalHours document }} }} "
        f"b: learner(id: $id) {{ id name credentials {{ totalCount }} }} }}",
        {"e": v.email, "id": v.learner_gid},
    ),
    "achievements": lambda v: (
        "{ achievements(first: 100) { nodes { slug name issuer { slug } } } }",
        {},
    ),
    "achievement": lambda v: (
        "query($s: String!) { achievement(slug: $s) { id slug name track level issuer { slug } } }",
        {"s": v.achievement},
    ),
    "issuers": lambda v: ("{ issuers(first: 100) { nodes { id slug name } } }", {}),
    "issuer": lambda v: (
        "query($id: ID!) { issuer(id: $id) { id slug name } }",
        {"id": v.issuer_gid},
    ),
    "organisationStats": lambda v: (
        'query($i: ID!) { organisationStats(issuer: $i, from: "2020-01-01T00:00:00Z", '
        'to: "2030-01-01T00:00:00Z") { __typename } }',
        {"i": v.issuer_gid},
    ),
    "verifyCredential": lambda v: (
        "mutation($u: String!) { verifyCredential(input: { url: $u }) { verdict } }",
        {"u": f"http://localhost:8000/credentials/{v.credential}"},
    ),
}


def _root_fields() -> set[str]:
    """The fields of Query and Mutation in the committed SDL (itself checked current)."""
    built = build_schema(GRAPHQL_SDL_PATH.read_text(encoding="utf-8"))
    roots = [built.query_type, built.mutation_type]
    return {name for root in roots if root is not None for name in root.fields}


@pytest.mark.no_sql
def test_every_operation_and_root_field_has_a_row() -> None:
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    operations = {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}
    assert operations == set(ATTACKS)
    assert _root_fields() == set(GRAPHQL)


async def _send(
    client: httpx.AsyncClient, method: str, path: str, body: Any, headers: Headers, v: Side
) -> httpx.Response:
    if path == "/oauth/token":  # the victim's platform's id, with a guessed secret
        return await client.post(
            path, data={"grant_type": "client_credentials"}, auth=(v.platform_id, "devine")
        )
    if path == "/wallet/token":  # a guessed pre-authorized code
        grant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
        return await client.post(path, data={"grant_type": grant, "pre-authorized_code": GUESS})
    if isinstance(body, bytes):
        return await client.request(
            method, path, content=body,
            headers={**headers, "Content-Type": "application/octet-stream"},
        )  # fmt: skip
    if path.startswith("/xapi/"):
        headers = {**headers, "X-Experience-API-Version": "1.0.3"}
    return await client.request(method, path, json=body, headers=headers)


def _without_volatile(payload: Any) -> Any:
    """Cursors and last-use times move with the attacking side's own requests; nothing else."""
    if isinstance(payload, dict):
        return {
            k: _without_volatile(v)
            for k, v in payload.items()
            if k not in {"next", "nextCursor", "lastUsedAt", "checkedAt"}
        }
    if isinstance(payload, list):
        return [_without_volatile(item) for item in payload]
    return payload


async def _views(client: httpx.AsyncClient, v: Side) -> dict[str, tuple[int, Any]]:
    """Everything the victim's own callers, and anyone, see of the victim's data."""
    reads: list[tuple[str, Headers, Any]] = [
        (f"/api/v1/issuers/{v.slug}", v.admin, None),
        (f"/api/v1/achievements/{v.achievement}", v.admin, None),
        ("/api/v1/tracks", v.admin, None),
        (f"/api/v1/credentials?issuer={v.slug}&limit=200", v.admin, None),
        ("/api/v1/clients?limit=200", v.admin, None),
        (f"/api/v1/audit?issuer={v.slug}&limit=200", v.admin, None),
        (f"/api/v1/credentials/{v.credential}", v.platform, None),
        ("/api/v1/webhooks", v.platform, None),
        (f"/api/v1/webhooks/{v.webhook}/deliveries", v.platform, None),
        ("/api/v1/xapi-mappings", v.platform, None),
        ("/api/v1/xapi-pending", v.platform, None),
        (v.evidence, v.platform, None),
        (f"/credentials/{v.credential}", {}, None),
        (v.status, {}, None),
        (f"/issuers/{v.slug}/did.json", {}, None),
        (f"/api/v1/achievements/{v.achievement}", {}, None),
        ("/graphql", v.reader, GRAPHQL["learner"](v)),
    ]
    seen: dict[str, tuple[int, Any]] = {}
    for path, headers, query in reads:
        if query is None:
            response = await client.get(path, headers={**headers, "Accept": "application/json"})
        else:
            text, variables = query
            response = await client.post(
                path, json={"query": text, "variables": variables}, headers=headers
            )
        kind = response.headers.get("content-type", "")
        payload = response.json() if "json" in kind else response.text
        seen[f"{path} as {sorted(headers) and headers['Authorization'][-6:]}"] = (
            response.status_code,
            _without_volatile(payload),
        )
    return seen


@pytest.mark.parametrize("direction", ["theirs-attack-ours", "ours-attack-theirs"])
async def test_no_read_or_change_of_the_other_tenants_data(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient, direction: str
) -> None:
    ours = await _side(client, token, make_client, ISSUER_SLUG)
    theirs = await _side(client, token, make_client, OTHER)
    victim, attacker = (ours, theirs) if direction.startswith("theirs") else (theirs, ours)
    callers = {
        "admin": attacker.admin,
        "platform": attacker.platform,
        "reader": attacker.reader,
        "anonymous": {},
    }
    before = await _views(client, victim)
    # what the leak check looks for is really there for the victim's own callers
    assert all(secret in json.dumps(before, ensure_ascii=False) for secret in victim.secrets[:3])

    answers: dict[str, list[int]] = {}
    leaks: list[str] = []
    requests = 0
    for operation, attack in ATTACKS.items():
        method = operation.split(" ", 1)[0]
        path, body = attack(victim)
        asked = path + (body.decode("latin-1") if isinstance(body, bytes) else json.dumps(body))
        for name, headers in callers.items():
            response = await _send(client, method, path, body, headers, victim)
            requests += 1
            assert response.status_code < 500, (operation, name, response.text)
            answers.setdefault(operation, []).append(response.status_code)
            if operation in REFUSED and response.is_success:
                leaks.append(f"{operation} as {name}: answered {response.status_code}")
            unasked = [s for s in victim.secrets if s not in asked]
            leaks += [f"{operation} as {name}: {s[:20]}" for s in unasked if s in response.text]
    for root, query in GRAPHQL.items():
        text, variables = query(victim)
        asked = json.dumps(variables)
        for name, headers in callers.items():
            response = await client.post(
                "/graphql", json={"query": text, "variables": variables}, headers=headers
            )
            requests += 1
            assert response.status_code < 500, (root, name, response.text)
            unasked = [s for s in victim.secrets if s not in asked]
            leaks += [f"graphql {root} as {name}: {s[:20]}" for s in unasked if s in response.text]

    after = await _views(client, victim)
    effects = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    # and the victim still does its own work: a badge, a level 2 of its track
    issued = await client.post(
        "/api/v1/completions",
        json=completion(f"{victim.slug}-après", achievement=victim.achievement,
                        learner={"email": victim.email, "name": "Apprenante"},
                        reflections=[{"prompt": "essai", "answer": "x" * 40}]),
        headers=victim.platform,
    )  # fmt: skip
    level = await client.post(
        "/api/v1/achievements",
        json=definition(issuer=victim.slug, slug=f"niveau-2-{victim.slug}",
                        track=f"Parcours {victim.slug}", level=2, levelName="N2"),
        headers=victim.admin,
    )  # fmt: skip
    print(  # noqa: T201 - the figures the issue asks for
        f"\n{direction}: {requests} requests by the other side over {len(ATTACKS)} operations "
        f"and {len(GRAPHQL)} root fields, {len(before)} views compared, "
        f"{len(leaks)} reads, {len(effects)} effects; "
        f"answers {sorted({s for codes in answers.values() for s in codes})}"
    )
    assert leaks == []
    assert effects == {}
    assert issued.status_code == 201, issued.text
    assert level.status_code == 201, level.text
