"""No input gets a 500: odd bytes, deep or duplicate JSON, wrong types and media types, sizes."""

import json
import logging
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.types import Message

from tests.service.conftest import Getter, MakeClient
from tests.service.factories import completion

PROBLEM = "application/problem+json"


async def _post_raw(
    client: httpx.AsyncClient, access: str, body: bytes, content_type: str = "application/json"
) -> httpx.Response:
    return await client.post(
        "/api/v1/completions",
        content=body,
        headers={"Authorization": f"Bearer {access}", "Content-Type": content_type},
    )


def _with(**changes: Any) -> bytes:
    return json.dumps(completion(**changes), ensure_ascii=False).encode()


BODIES = {
    "nul-in-string": (_with(externalId="moodle\x00-1"), 422),
    "nul-in-answer": (
        json.dumps(completion()).replace("Je retiens", "Je\\u0000 retiens").encode(),
        422,
    ),
    "lone-surrogate": (json.dumps(completion()).replace("Je retiens", "\\ud800").encode(), 422),
    "invalid-utf8": (_with(externalId="moodle-é").replace("é".encode(), b"\xff\xfe"), 400),
    "deep-nesting": (b'{"a":' * 1000 + b"1" + b"}" * 1000, 400),
    "nesting-over-the-cap": (b'{"a":' * 40 + b"1" + b"}" * 40, 400),
    "duplicate-keys": (_with()[:-1] + b', "externalId": "autre"}', 400),
    "unix-date": (_with(completedAt=1763665392), 422),
    "number-as-boolean": (_with(shareReflections=1), 422),
    "string-as-list": (_with(reflections="beaucoup"), 422),
    "nan": (_with()[:-1] + b', "extra": NaN}', 400),
    "empty": (b"", 400),
    "whitespace": (b"   ", 400),
    "not-an-object": (b"[1, 2]", 422),
    "truncated": (_with()[:50], 400),
}


@pytest.mark.parametrize("case", sorted(BODIES))
async def test_odd_completion_bodies_get_a_clear_problem(
    client: httpx.AsyncClient, token: Getter, case: str
) -> None:
    body, status = BODIES[case]
    response = await _post_raw(client, await token(), body)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == status
    assert "Traceback" not in response.text
    assert "msgspec" not in response.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_completions_need_a_json_media_type(
    client: httpx.AsyncClient, token: Getter, content_type: str
) -> None:
    response = await _post_raw(client, await token(), _with(), content_type)

    assert response.status_code == 415, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_an_oversized_body_is_refused_before_it_is_read(
    client: httpx.AsyncClient, token: Getter
) -> None:
    response = await _post_raw(client, await token(), b'{"x": "' + b"a" * 5_000_000 + b'"}')

    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "1 MiB" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/achievements/%00",
        "/issuers/%00/did.json",
        "/issuers/a%00b",
        "/credentials/%00",
        "/achievements/%00",
        "/issuers/x/keys/%00",
        "/api/v1/achievements/%ED%A0%80",
        "/api/v1/verifications?url=https%3A%2F%2Fexemple.ca%2F%00",
    ],
)
@pytest.mark.no_sql
async def test_nul_bytes_in_paths_and_queries_are_refused(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 400, response.text  # refused before routing
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.no_sql
async def test_nul_bytes_in_token_form_fields_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "s"},
    )

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    "host",
    ["0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "2130706433", "127.1", "0", "017700000001"],
)
@pytest.mark.no_sql
async def test_odd_ip_spellings_are_refused_as_the_addresses_they_denote(
    client: httpx.AsyncClient, host: str
) -> None:
    response = await client.post(
        "/api/v1/verifications", json={"url": f"https://{host}/credentials/1"}
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verdict"] == "unverifiable"
    (fetch,) = [check for check in report["checks"] if check["code"] == "format"]
    assert "not public" in fetch["detail"]["reason"]


@pytest.mark.no_sql
async def test_framework_errors_are_problem_details_in_french(client: httpx.AsyncClient) -> None:
    french = {"Accept-Language": "fr-CA,fr;q=0.9"}
    missing = await client.get("/nulle-part", headers=french)
    wrong_method = await client.delete("/api/v1/completions", headers=french)

    for response, status in ((missing, 404), (wrong_method, 405)):
        assert response.status_code == status
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.headers["content-language"] == "fr"
    assert missing.json()["title"] == "Introuvable"
    assert wrong_method.json()["title"] == "Méthode non permise"


async def test_validation_messages_follow_accept_language(
    client: httpx.AsyncClient, token: Getter
) -> None:
    response = await client.post(
        "/api/v1/completions",
        content=_with(completedAt=1763665392),
        headers={
            "Authorization": f"Bearer {await token()}",
            "Content-Type": "application/json",
            "Accept-Language": "fr",
        },
    )

    problem = response.json()
    assert problem["title"] == "Données invalides"
    assert problem["errors"] == [
        {"field": "completedAt", "message": "attendu : datetime ; reçu : int"}
    ]


@pytest.mark.no_sql
async def test_a_bad_token_shows_no_library_internals(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/credentials/00000000-0000-0000-0000-000000000000",
        headers={b"Authorization": b"Bearer \xff\xfe.abc.def"},
    )

    assert response.status_code == 401
    assert "codec" not in response.text
    assert response.json()["detail"] == "invalid access token"


async def test_a_nul_in_a_revocation_reason_is_refused(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient
) -> None:
    issued = await _post_raw(client, await token(), _with(externalId="raison-nul"))
    admin_id, admin_secret = await make_client(scopes={"admin"}, issuers={"reseau-demo"})
    admin = await token(None, admin_id, admin_secret)
    response = await client.post(
        f"/api/v1/credentials/{issued.json()['id']}/revoke",
        json={"reason": "erreur\x00"},
        headers={"Authorization": f"Bearer {admin}"},
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_a_client_that_hangs_up_mid_body_is_no_server_error(
    app: Litestar, token: Getter, caplog: pytest.LogCaptureFixture
) -> None:
    """What wrk does at the end of a run: half a body, then the connection closes."""
    access = await token()
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'{"achievement": "leader', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/completions",
        "raw_path": b"/api/v1/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"localhost:8000"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {access}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)  # type: ignore[arg-type]

    (start,) = [m for m in sent if m["type"] == "http.response.start"]
    assert start["status"] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
