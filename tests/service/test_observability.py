"""Logs carry no e-mail, token, secret or reflection; request ids; /metrics; the contract.

The log scan runs representative requests (token requests with secrets, completions with
reflections and e-mails, verifications with ``?email=``, errors, a debug-mode app) with every
logger at DEBUG, and greps each captured record (message, traceback, extra fields) for them.
"""

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.app import create_app
from service.db.engine import create_engine
from service.domain.demo import Demo
from service.export import OPENAPI_PATH
from service.logs import _REDACTIONS, ACCESS_LOGGER, JsonFormatter, TextFormatter, redact
from service.settings import Settings
from tests.databases import ScratchDatabase
from tests.service.conftest import Getter, asgi, basic, database_for, load_demo_into
from tests.service.factories import ANSWERS, completion

EMAIL = "marie.tremblay@exemple.qc.ca"
OTHER_EMAIL = "lea.gagnon@exemple.qc.ca"
WRONG_SECRET = "Wr0ngSecretWr0ngSecretWr0ngSecret42"


@contextmanager
def every_log_record() -> Iterator[list[str]]:
    """Every record any logger makes, at DEBUG, as raw text (before any formatter's redaction)."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{record.getMessage()}\n{record.exc_text or ''}\n{vars(record)!r}")
            lines.append(JsonFormatter().format(record) + TextFormatter().format(record))

    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = [(logger, logger.level) for logger in [logging.root, *loggers]]
    keep = Keep(logging.DEBUG)
    logging.root.addHandler(keep)
    for logger, _ in levels:
        logger.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        logging.root.removeHandler(keep)
        for logger, level in levels:
            logger.setLevel(level)


def assert_clean(lines: list[str], *secrets: str) -> None:
    assert lines, "nothing was logged: the scan would prove nothing"
    forbidden = [EMAIL, OTHER_EMAIL, WRONG_SECRET, *secrets, *ANSWERS.values()]
    forbidden += [answer[:40] for answer in ANSWERS.values()]
    for line in lines:
        for value in forbidden:
            assert value not in line, f"{value[:20]}… logged in: {line[:300]}"


async def exercise(http: httpx.AsyncClient, demo: Demo) -> list[str]:
    """Representative requests; returns the secrets they used (token, client secret)."""
    form = {"grant_type": "client_credentials"}
    response = await http.post(
        "/oauth/token",
        data={**form, "client_id": demo.client_id, "client_secret": demo.client_secret},
    )
    token = response.json()["access_token"]
    await http.post(
        "/oauth/token", data=form, headers={"Authorization": basic(demo.client_id, WRONG_SECRET)}
    )
    await http.post("/oauth/token", data={**form, "client_id": "x", "client_secret": WRONG_SECRET})
    bearer = {"Authorization": f"Bearer {token}"}
    created = await http.post("/api/v1/completions", json=completion(), headers=bearer)
    award = created.json()
    await http.post("/api/v1/completions", json=completion(), headers=bearer)  # a retry
    await http.post(
        "/api/v1/completions", json=completion("bad", completedAt=1_700_000_000), headers=bearer
    )
    await http.post(
        "/api/v1/completions",
        json=completion("nul", learner={"email": OTHER_EMAIL, "name": "Léa\u0000 Gagnon"}),
        headers=bearer,
    )
    await http.get("/api/v1/verifications", params={"url": award["url"], "email": EMAIL})
    await http.post(
        "/api/v1/verifications", json={"url": award["url"], "recipient": {"email": OTHER_EMAIL}}
    )
    await http.get(f"/api/v1/credentials/{award['id']}", headers=bearer)
    evidence = award["credential"]["evidence"][0]["id"]
    await http.get(evidence, headers=bearer)
    await http.get(f"/credentials/{EMAIL}")
    await http.get(f"/api/v1/credentials/{award['id']}", headers={"Authorization": token + "x"})
    await http.get(
        f"/api/v1/credentials/{award['id']}", headers={"Authorization": f"Bearer {token}x"}
    )
    return [token, demo.client_secret]


async def test_no_log_line_carries_an_email_a_secret_a_token_or_a_reflection(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    with every_log_record() as lines:
        used = await exercise(client, demo)

    assert_clean(lines, *used)
    assert any("/api/v1/verifications?email&url 200" in line for line in lines)


async def test_nor_in_debug_mode_with_real_commits_and_sql_logging(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    debug_settings, database = database_for(
        Settings(**{**vars(settings), "debug": True}), fresh_database
    )
    demo = await load_demo_into(debug_settings, database)
    with every_log_record() as lines:
        app = create_app(debug_settings, database=database)
        async with httpx.AsyncClient(transport=asgi(app), base_url="http://localhost:8000") as http:
            used = await exercise(http, demo)

    assert_clean(lines, *used)


async def test_database_errors_carry_no_parameters(database: ScratchDatabase) -> None:
    engine = create_engine(database.url)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as raised:
                await connection.execute(
                    text("SELECT * FROM no_such_table WHERE x = :x"), {"x": EMAIL}
                )
    finally:
        await engine.dispose()
    assert EMAIL not in str(raised.value)
    assert "hidden" in str(raised.value)


async def test_a_database_error_s_row_and_key_values_are_not_logged(
    database: ScratchDatabase,
) -> None:
    """PostgreSQL's DETAIL repeats the failing row and the clashing key, reflections included.

    asyncpg puts it in the exception's text, hence in any traceback a log line carries.
    """
    reflection = "Ma réflexion intime,\nsur deux lignes (et des parenthèses)."
    engine = create_engine(database.url)
    try:
        async with engine.connect() as connection:
            await connection.execute(
                text("CREATE TEMPORARY TABLE notes (k TEXT UNIQUE, v TEXT CHECK (length(v) < 5))")
            )
            await connection.execute(text("INSERT INTO notes VALUES (:k, 'ok')"), {"k": EMAIL})
            raised: list[DBAPIError] = []
            for row in ({"k": "autre", "v": reflection}, {"k": EMAIL, "v": "ok"}):
                with pytest.raises(DBAPIError) as caught:
                    async with connection.begin_nested():
                        await connection.execute(text("INSERT INTO notes VALUES (:k, :v)"), row)
                raised.append(caught.value)
    finally:
        await engine.dispose()
    with every_log_record() as lines:
        for error in raised:
            logging.getLogger("service.test").error("unexpected", exc_info=error)

    assert_clean(lines, reflection[:20], "sur deux lignes")
    if database.backend == "postgres":
        assert any("Failing row contains [hidden]" in line for line in lines)
        assert any("Key (k)=([hidden]) already exists" in line for line in lines)


def test_redaction_covers_the_usual_spellings() -> None:
    line = redact(
        f"{EMAIL} marie%40exemple.qc.ca Bearer abc.def Basic Zm9vOmJhcg== eyJhbGciOiJIUzI1NiJ9.e30.sig "
        "client_secret=s3cr3t&x=1 'token': 'abc' Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z "
        "123e4567-e89b-12d3-a456-426614174000"
    )
    assert line == (
        "[email] [email] Bearer [redacted] Basic [redacted] [jwt] client_secret=[redacted]&x=1 "
        "'token': '[redacted]' [secret] 123e4567-e89b-12d3-a456-426614174000"
    )


@pytest.mark.parametrize(
    "token",
    [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ",  # token_urlsafe(32) may have no digit
        "Xy7_" * 11,
        "court",
    ],
)
async def test_no_log_line_carries_a_capability_link_s_token(
    client: httpx.AsyncClient, token: str
) -> None:
    """A management link's or a wallet offer's token is the key to a badge: never logged."""
    manage = f"/credentials/01a24e10-9f93-7798-8b93-4be31289c322/manage/{token}"
    with every_log_record() as lines:
        await client.get(manage)
        await client.get(f"{manage}/transcript")
        await client.get(f"/wallet/interactions/{token}")
        await client.post(f"/wallet/exchanges/{token}", json={})
        await client.get(f"/wallet/offers/{token}")

    assert lines
    assert not [line for line in lines if f"/{token}" in line]
    access = [line for line in lines if "'name': 'service.access'" in line]
    assert len([line for line in access if "/[token]" in line]) == 5


def test_each_formatter_redacts_a_record_made_without_the_safety_net() -> None:
    """A record made by `logging.makeLogRecord` skips the factory: the formatters still redact."""
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    record = logging.makeLogRecord(
        {
            "name": "service.test",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "refused %s: client_secret=%s",
            "args": (EMAIL, WRONG_SECRET),
            "request_id": WRONG_SECRET,
            "path": f"/credentials/{OTHER_EMAIL}",
            "queryKeys": [jwt],
            "context": {"to": OTHER_EMAIL, "attempts": 3, "accessToken": "court"},
            "client_secret": "s3cr3t",
            "exc_text": f"Traceback: Bearer {jwt}\nDETAIL:  Failing row contains (1, Ma réflexion).",
        }
    )

    text = TextFormatter().format(record)
    line = json.loads(JsonFormatter().format(record))

    assert_clean([text, json.dumps(line, ensure_ascii=False)], jwt)
    assert text.endswith(
        "refused [email]: client_secret=[redacted]\nTraceback: Bearer [redacted]"
        "\nDETAIL:  Failing row contains [hidden]"
    )
    assert line["exception"].endswith("DETAIL:  Failing row contains [hidden]")
    assert f" [{WRONG_SECRET}]" not in text
    assert line["path"] == "/credentials/[email]"
    assert line["queryKeys"] == ["[jwt]"]
    assert line["context"] == {"to": "[email]", "attempts": 3, "accessToken": "[redacted]"}
    assert line["client_secret"] == "[redacted]"
    assert line["requestId"] == "[secret]"


@pytest.mark.no_sql
async def test_an_address_cannot_forge_a_log_line(client: httpx.AsyncClient) -> None:
    """Control characters in a path (``%0A``, ``%0D``, U+2028) are escaped in the access line."""
    forged = "2026-12-07 12:00:00,000 INFO service.access: POST /api/v1/clients 201"
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    logging.getLogger(ACCESS_LOGGER).addHandler(keep)
    try:
        with every_log_record():
            await client.get(f"/nope%0A{forged}%0D%E2%80%A8")
    finally:
        logging.getLogger(ACCESS_LOGGER).removeHandler(keep)

    (record,) = records
    for line in (TextFormatter().format(record), JsonFormatter().format(record)):
        assert "\n" not in line
        assert "\r" not in line
        assert "\u2028" not in line
    assert "/nope\\n2026-12-07" in TextFormatter().format(record)


@pytest.mark.no_sql
async def test_a_request_id_is_returned_and_in_every_line_of_its_request(
    client: httpx.AsyncClient,
) -> None:
    with every_log_record() as lines:
        chosen = await client.get("/health", headers={"X-Request-ID": "lms-7f3a-0001"})
        refused = await client.get("/nope", headers={"X-Request-ID": "bad id <script>"})
        made = await client.get("/health")

    assert chosen.headers["x-request-id"] == "lms-7f3a-0001"
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])
    assert refused.status_code == 404
    assert made.headers["x-request-id"] not in (chosen.headers["x-request-id"], "")
    access = [line for line in lines if "'name': 'service.access'" in line]
    assert any("'request_id': 'lms-7f3a-0001'" in line for line in access)
    assert any(f"'request_id': '{refused.headers['x-request-id']}'" in line for line in access)


def test_json_lines_in_production() -> None:
    record = logging.LogRecord("service.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.request_id = "abc12345"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /x"
    assert line["requestId"] == "abc12345"
    assert line["level"] == "INFO"
    with pytest.raises(ValueError, match="INSIGNE_LOG_FORMAT"):
        Settings.from_env({"INSIGNE_LOG_FORMAT": "xml", "INSIGNE_DATA_DIR": "/nonexistent"})


async def test_metrics_count_requests_per_route_template_issuance_and_verdicts(
    client: httpx.AsyncClient, token: Getter
) -> None:
    bearer = {"Authorization": f"Bearer {await token()}"}
    award = (await client.post("/api/v1/completions", json=completion(), headers=bearer)).json()
    await client.get(f"/api/v1/credentials/{award['id']}", headers=bearer)
    await client.get("/api/v1/verifications", params={"url": award["url"]})
    await client.get("/api/v1/verifications", params={"url": "https://insigne.invalid/x"})

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    metrics = response.text
    assert 'path="/api/v1/credentials/{credential_id}"' in metrics
    assert award["id"] not in metrics
    assert re.search(r"^insigne_credentials_issued_total [1-9]", metrics, re.M)
    assert 'insigne_verifications_total{verdict="valid"}' in metrics
    assert re.search(r'insigne_outbound_fetches_total\{outcome="(unreachable|refused)"\}', metrics)
    assert "insigne_database_connections_in_use" in metrics
    assert "insigne_http_request_duration_seconds_bucket" in metrics


# Actions whose request is their path alone (no body to describe).
BODILESS = {
    "CreateWalletOffer",
    "CreateWalletNonce",
    "RenewManageLink",
    "RotateIssuerKeys",
    "ReplayWebhookDelivery",
    "DisableClient",
    "RenewClientSecret",
    "ArchiveAchievement",
}


# OAuth's and OID4VCI's own error format: {"error", "error_description"} (RFC 6749 §5.2).
OAUTH_STYLE = {
    "CreateWalletToken",
    "GetCredentialOffer",
    "IssueWalletCredential",
    "NotifyWalletCredential",
}


def _gaps(name: str, method: str, operation: dict[str, Any]) -> Iterator[str]:
    needs_body = operation.get("operationId") not in BODILESS
    if method in ("post", "put", "patch") and needs_body and not operation.get("requestBody"):
        yield f"{name}: no requestBody"
    success = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
    if not success:
        yield f"{name}: no 2xx response"
    for status, response in success.items():
        if status == "204":  # No Content: nothing to describe
            continue
        for media, content in (response.get("content") or {"-": {}}).items():
            if not content.get("schema"):
                yield f"{name} {status} {media}: no schema"
    oauth = operation.get("operationId") in OAUTH_STYLE
    for status, response in operation["responses"].items():
        media = set(response.get("content", {}))
        # the shared input guard's 422 is a problem wherever it answers
        expected = (
            {"application/json"} if oauth and status != "422" else {"application/problem+json"}
        )
        if status[0] in "45" and media != expected:
            yield f"{name} {status}: {media}, not problem+json"


def test_every_operation_documents_its_body_and_its_success() -> None:
    document: dict[str, Any] = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    missing = [
        gap
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for gap in _gaps(f"{method.upper()} {path}", method, operation)
    ]
    assert missing == []
    verify = document["paths"]["/api/v1/verifications"]["post"]["requestBody"]["content"]
    assert len(verify["application/json"]["schema"]["oneOf"]) == 3
    assert verify["multipart/form-data"]["schema"]["required"] == ["file"]
    assert "/metrics" not in document["paths"]


def _every_pass(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


_PIECES = st.sampled_from(
    [
        "/api/v1/",
        "POST ",
        "Bearer ",
        "basic ",
        "eyJ",
        "x.y",
        "@",
        "%40",
        "=",
        ": ",
        "/manage/",
        "/MANAGE/",
        "/wallet/offers/",
        "/wallet/exchanges",
        "é",
        "É",
    ]
)


@given(
    st.lists(
        st.one_of(_PIECES, st.text("aZ09-_.", min_size=1, max_size=40), st.text(max_size=8)),
        max_size=8,
    ).map("".join)
)
@example("GET /credentials/01a24e10-9f93-7798-8b93-4be31289c322 200")
@example("GET /credentials/01a24e10-9f93-7798-8b93-4be31289c322/manage/abcDEF 200")
@example("learner marie.tremblay@exemple.qc.ca")
@example("to marie%40exemple.qc.ca")
@example("client_secret=s3cr3t")
@example("sent Bearer abc.def")
@example("jwt eyJhbGciOi.eyJzdWIi.c2ln")
@example("key Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789")
def test_the_quick_check_skips_only_text_no_redaction_would_change(text: str) -> None:
    """`redact` skips its passes for most lines: it must answer as every pass does."""
    assert redact(text) == _every_pass(text)
