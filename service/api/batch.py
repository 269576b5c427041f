"""Bulk issuance over HTTP: a JSON list of completions, or the same fields as CSV.

CSV (``Content-Type: text/csv``, UTF-8, a header row, comma-separated): the columns
``achievement``, ``externalId``, ``email``, ``name``, ``completedAt`` (RFC 3339), and
optionally ``learnerId`` (a DID or URL) and ``shareReflections`` (true/false, oui/non, 1/0);
every other column is a reflection prompt's key, and a non-empty cell is that answer.
"""

import csv
import io
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from service.api.bodies import JSON_TYPES, UnsupportedMediaType, decode_strict
from service.api.completions import AwardOut, CompletionIn
from service.api.dependencies import requires
from service.api.errors import problem_document, problems
from service.domain.clients.clients import Principal
from service.domain.credentials.completions import Completion
from service.domain.errors import DomainError, FieldProblem, InvalidInput
from service.domain.storable import unstorable_paths
from service.domain.strict_json import BAD_TEXT
from service.domain.texts import Said
from service.pipelines.batch import MAX_ITEMS, ItemResult, issue_batch
from service.runtime import Runtime
from service.throttling import count_completions

MAX_BODY = 64 * 1024 * 1024  # 1,000 completions of three long French answers, with margin
_FIXED = {"achievement", "externalId", "email", "name", "completedAt", "learnerId"}
_TRUE, _FALSE = {"true", "1", "oui", "yes"}, {"false", "0", "non", "no", ""}


class _BatchIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    completions: list[dict[str, Any]]


class BatchIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the OpenAPI shows as the JSON body (the handler reads it strictly itself)."""

    completions: list[CompletionIn]


def _describe(data: BatchIn) -> None:
    """Never called: its ``data`` is the body the OpenAPI shows."""


class ItemOut(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    status: Annotated[int, msgspec.Meta(description="201 issued, 200 a replay, else a problem")]
    credential: AwardOut | None = None
    problem: dict[str, Any] | None = None

    @classmethod
    def from_domain(cls, result: ItemResult) -> "ItemOut":
        if result.award is not None:
            status = 201 if result.award.is_new else 200
            return cls(status=status, credential=AwardOut.from_domain(result.award))
        assert result.error is not None  # noqa: S101 - an ItemResult holds one or the other
        problem = problem_document(result.error)
        return cls(status=int(str(problem["status"])), problem=problem)


class BatchOut(msgspec.Struct, kw_only=True, rename="camel"):
    results: list[ItemOut]


def read_batch(body: bytes, content_type: str) -> list[Completion | DomainError]:
    """The items of a batch body; an item that cannot be read becomes its own problem."""
    media = content_type.split(";")[0].strip().lower()
    if media == "text/csv":
        items = _from_csv(body)
    elif media in JSON_TYPES:
        raw = decode_strict(body, _BatchIn).completions
        items = [_from_json(position, item) for position, item in enumerate(raw)]
    else:
        raise UnsupportedMediaType(Said("batch-media-type", got=media))
    if not 0 < len(items) <= MAX_ITEMS:
        raise InvalidInput([FieldProblem("completions", Said("batch-size", most=MAX_ITEMS))])
    return items


def _from_json(position: int, item: dict[str, Any]) -> Completion | DomainError:
    return _checked(f"completions[{position}]", item)


def _checked(where: str, item: dict[str, Any]) -> Completion | DomainError:
    """One item read as ``POST /api/v1/completions`` reads its body: same limits, same text rules.

    Every item is checked so before any is issued: what no column can hold (a NUL, a lone
    surrogate, a name past its length) is that item's problem, never a failure mid-batch.
    """
    unstorable = [f"{where}.{path}" for path in unstorable_paths(item)]
    if unstorable:
        return InvalidInput([FieldProblem(path, BAD_TEXT) for path in unstorable])
    try:
        return msgspec.convert(item, CompletionIn, strict=True).to_domain()
    except msgspec.ValidationError as error:
        return InvalidInput([FieldProblem(where, Said("value-refused", reason=str(error)))])


def _from_csv(body: bytes) -> list[Completion | DomainError]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput([FieldProblem("body", Said("csv-not-utf8"))]) from None
    rows = csv.DictReader(io.StringIO(text, newline=""))
    missing = _FIXED - {"learnerId"} - set(rows.fieldnames or [])
    if missing:
        raise InvalidInput(
            [FieldProblem("header", Said("csv-missing-columns", columns=sorted(missing)))]
        )
    return [_from_row(line, row) for line, row in enumerate(rows, start=2)]


def _from_row(line: int, row: dict[str, str | None]) -> Completion | DomainError:
    cells = {key: (value or "").strip() for key, value in row.items() if key is not None}
    share = cells.pop("shareReflections", "").lower()
    try:
        completed_at = datetime.fromisoformat(cells["completedAt"])
    except ValueError:
        return InvalidInput([FieldProblem(f"line {line}.completedAt", Said("not-rfc3339"))])
    if share not in _TRUE | _FALSE:
        return InvalidInput([FieldProblem(f"line {line}.shareReflections", Said("true-or-false"))])
    learner = {"email": cells["email"], "name": cells["name"]}
    if cells.get("learnerId"):
        learner["id"] = cells["learnerId"]
    return _checked(
        f"line {line}",
        {
            "achievement": cells["achievement"],
            "externalId": cells["externalId"],
            "learner": learner,
            "completedAt": completed_at.isoformat(),
            "shareReflections": share in _TRUE,
            "reflections": [
                {"prompt": key, "answer": value}
                for key, value in cells.items()
                if key not in _FIXED and value
            ],
        },
    )


class BatchController(Controller):
    path = "/api/v1/completions/batch"
    tags = ["Awards"]
    dependencies = {
        "principal": requires("completions:write"),
        "documented_body": Provide(_describe, sync_to_thread=False),
    }

    @post(
        operation_id="RecordCompletionBatch",
        status_code=200,
        request_max_body_size=MAX_BODY,
        responses=problems(400, 401, 403, 422, 429),
    )
    async def record_batch(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> BatchOut:
        """Up to 1,000 completions, as JSON ``{"completions": […]}`` or CSV: a result each.

        Each item counts against the client's completion limit: a batch that does not fit
        in what is left is refused whole (429, ``Retry-After``), and nothing of it is issued.
        """
        items = read_batch(await request.body(), request.headers.get("content-type", ""))
        await count_completions(runtime, principal, len(items))
        results = await issue_batch(runtime, principal, items)
        return BatchOut(results=[ItemOut.from_domain(result) for result in results])
