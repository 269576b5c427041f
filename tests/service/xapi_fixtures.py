"""Moodle's own xAPI fixtures (../shared/xapi-examples/, read in place) and helpers around them."""

import base64
import copy
import json
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import CompletionRecord, CredentialRecord, LearnerRecord
from tests.conftest import SHARED

EXAMPLES = SHARED / "xapi-examples" / "moodle-logstore_xapi"
COURSE = "http://www.example.org/course/view.php?id=2"
ITEM = "http://www.example.org/mod/feedback/edit_item.php?id=1"
SITE = "http://www.example.org"
VERSION = {"X-Experience-API-Version": "1.0.3"}


def fixture_bytes(name: str) -> bytes:
    """A fixture exactly as the plugin sends it: ``<component>.<event>.<case>``."""
    return (EXAMPLES / f"{name}.statements.json").read_bytes()


def fixture(name: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(fixture_bytes(name))
    return loaded


def with_mbox(statements: list[dict[str, Any]], email: str) -> list[dict[str, Any]]:
    """The same statements with the plugin's "send mbox" on (src/transformer/utils/get_user.php)."""
    changed = copy.deepcopy(statements)
    for statement in changed:
        statement["actor"] = {"name": statement["actor"]["name"], "mbox": f"mailto:{email}"}
    return changed


def answer(item: str, text: str, email: str) -> dict[str, Any]:
    """The textarea fixture's ``answered`` statement, for another item and text."""
    statement = copy.deepcopy(fixture("mod_feedback.response_submitted.textarea")[1])
    statement["object"]["id"] = item
    statement["result"]["response"] = text
    return with_mbox([statement], email)[0]


def completed(email: str, course: str = COURSE) -> dict[str, Any]:
    statement = fixture("core.course_completed.completing_existing_course")[0]
    statement["object"]["id"] = course
    return with_mbox([statement], email)[0]


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


async def post_statements(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    body: Any,
) -> httpx.Response:
    """POST as logstore_xapi does (src/loader/lrs.php): JSON, Basic, the version header."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(
        "/xapi/statements",
        content=content,
        headers={**auth, **VERSION, "Content-Type": "application/json"},
    )


async def badges(session: AsyncSession, email: str) -> int:
    """Credentials issued to this e-mail."""
    count = await session.scalar(
        select(func.count(CredentialRecord.id))
        .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
        .join(LearnerRecord, LearnerRecord.id == CompletionRecord.learner_id)
        .where(LearnerRecord.email == email)
    )
    return int(count or 0)


async def credential_of(session: AsyncSession, email: str) -> dict[str, Any]:
    """The one signed credential issued to this e-mail."""
    signed = await session.scalar(
        select(CredentialRecord.signed_json)
        .join(CompletionRecord, CompletionRecord.id == CredentialRecord.completion_id)
        .join(LearnerRecord, LearnerRecord.id == CompletionRecord.learner_id)
        .where(LearnerRecord.email == email)
    )
    assert signed is not None
    found: dict[str, Any] = json.loads(signed)
    return found
