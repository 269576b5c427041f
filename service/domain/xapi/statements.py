"""xAPI statements as platforms send them, read down to what a completion needs.

xAPI 1.0.3 (IEEE 9274.1.1, "xAPI 2.0") §2.4 defines the statement. Only three verbs matter
here: ``completed`` (a course), ``answered`` (a free-text item, the text in
``result.response``) and ``voided`` (withdraws an earlier statement, §2.3.2). Everything else
is read only far enough to be acknowledged and ignored.

The learner is the actor: an ``mbox`` gives the e-mail; an ``account`` (``homePage`` and
``name``) gives no e-mail, so its statements wait until the platform tells it (never
guessed). Other identifiers (``mbox_sha1sum``, ``openid``) can never become an e-mail.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from openbadges.identity import normalise_email
from service.domain.errors import FieldProblem, InvalidInput
from service.domain.texts import Said

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
VERBS = {COMPLETED: "completed", ANSWERED: "answered"}
MAX_STATEMENTS = 500  # per request; logstore_xapi sends batches of 30 by default
MAX_IRI = 2000
MAX_RESPONSE = 100_000


@dataclass(frozen=True)
class Statement:
    """One statement, reduced; ``verb`` is None for a statement nothing here uses."""

    id: uuid.UUID
    fingerprint: str  # sha256 of the statement as sent (its id aside): same id, same content
    verb: str | None  # completed, answered, or None
    activity: str | None
    actor: str | None  # mailto:<e-mail> or account:[homePage, name]; None: unusable actor
    actor_name: str
    response: str | None
    timestamp: datetime | None
    voids: uuid.UUID | None = None


def account_actor(home_page: str, name: str) -> str:
    """The key of an ``account`` actor: unambiguous whatever its parts hold."""
    return "account:" + json.dumps([home_page, name], ensure_ascii=False)


def email_actor(email: str) -> str:
    return "mailto:" + normalise_email(email)


def read_statements(body: Any) -> list[Statement]:  # noqa: ANN401 - JSON
    """One statement or an array of them; every problem of the batch is reported at once.

    xAPI §2.2: an LRS rejects the whole batch when one statement is invalid (400).
    """
    items = body if isinstance(body, list) else [body]
    if not items:
        raise InvalidInput([FieldProblem("body", Said("xapi-statements-form"))])
    if len(items) > MAX_STATEMENTS:
        raise InvalidInput(
            [FieldProblem("body", Said("xapi-statements-per-request", most=MAX_STATEMENTS))]
        )
    problems: list[FieldProblem] = []
    found: list[Statement] = []
    for position, item in enumerate(items):
        where = f"[{position}]" if isinstance(body, list) else "statement"
        try:
            found.append(_statement(item))
        except _Invalid as error:
            problems.append(FieldProblem(f"{where}.{error.field}", error.message))
    ids = [statement.id for statement in found]
    if len(set(ids)) != len(ids):
        problems.append(FieldProblem("body", Said("xapi-statement-ids-repeat")))
    if problems:
        raise InvalidInput(problems)
    return found


class _Invalid(Exception):
    def __init__(self, field: str, message: Said) -> None:
        super().__init__(str(message))
        self.field = field
        self.message: Said = message


def _statement(item: Any) -> Statement:  # noqa: ANN401 - JSON
    if not isinstance(item, dict):
        raise _Invalid("body", Said("xapi-statement-not-object"))
    statement_id = _id(item.get("id"))
    verb = _object(item, "verb")
    verb_id = _text(verb, "id", "verb.id")
    target = _object(item, "object")
    actor, actor_name = _actor(_object(item, "actor"))
    timestamp = _timestamp(item.get("timestamp"))
    content = {key: value for key, value in item.items() if key != "id"}
    fingerprint = hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    if verb_id == VOIDED:
        if target.get("objectType") != "StatementRef":
            raise _Invalid("object", Said("xapi-voiding-object"))
        return Statement(
            statement_id, fingerprint, None, None, actor, actor_name, None, timestamp,
            voids=_id(target.get("id"), "object.id", required=True),
        )  # fmt: skip
    activity = target.get("id") if target.get("objectType", "Activity") == "Activity" else None
    if activity is not None and (not isinstance(activity, str) or len(activity) > MAX_IRI):
        raise _Invalid("object.id", Said("xapi-activity-id-form", most=MAX_IRI))
    response = _response(item.get("result"))
    return Statement(
        statement_id,
        fingerprint,
        VERBS.get(verb_id),
        activity,
        actor,
        actor_name,
        response,
        timestamp,
    )


def _id(value: Any, field: str = "id", *, required: bool = False) -> uuid.UUID:  # noqa: ANN401
    """A UUID, any variant (xAPI §2.4.1); the LRS assigns one when the statement has none."""
    if value is None and not required:
        return uuid.uuid4()
    try:
        return uuid.UUID(str(value)) if isinstance(value, str) else _fail(field)
    except ValueError:
        return _fail(field)


def _fail(field: str) -> uuid.UUID:
    raise _Invalid(field, Said("uuid-form"))


def _object(item: dict[str, Any], name: str) -> dict[str, Any]:
    value = item.get(name)
    if not isinstance(value, dict):
        raise _Invalid(name, Said("field-required-object"))
    return value


def _text(item: dict[str, Any], name: str, field: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value:
        raise _Invalid(field, Said("field-required-iri"))
    return value


def _actor(actor: dict[str, Any]) -> tuple[str | None, str]:
    """The actor's key when it can name a learner, and its display name."""
    name = actor.get("name")
    display = name.strip()[:300] if isinstance(name, str) else ""
    mbox = actor.get("mbox")
    if isinstance(mbox, str) and mbox.lower().startswith("mailto:") and "@" in mbox:
        return email_actor(mbox[len("mailto:") :]), display
    account = actor.get("account")
    if isinstance(account, dict):
        home_page, account_name = account.get("homePage"), account.get("name")
        if isinstance(home_page, str) and isinstance(account_name, str):
            if len(home_page) > 500 or len(account_name) > 300:
                raise _Invalid("actor.account", Said("xapi-account-too-long"))
            return account_actor(home_page, account_name), display
        raise _Invalid("actor.account", Said("xapi-account-needs-both"))
    if mbox is not None:
        raise _Invalid("actor.mbox", Said("mailto-form"))
    return None, display


def _timestamp(value: Any) -> datetime | None:  # noqa: ANN401 - JSON
    """ISO 8601; one without a time zone is read as UTC (xAPI §2.4.7 only recommends one)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Invalid("timestamp", Said("iso8601-form"))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _Invalid("timestamp", Said("iso8601-form")) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _response(result: Any) -> str | None:  # noqa: ANN401 - JSON
    if result is None:
        return None
    if not isinstance(result, dict):
        raise _Invalid("result", Said("json-object-form"))
    response = result.get("response")
    if response is None:
        return None
    if not isinstance(response, str) or len(response) > MAX_RESPONSE:
        raise _Invalid("result.response", Said("text-at-most", most=MAX_RESPONSE))
    return response
