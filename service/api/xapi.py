"""xAPI intake: the Statement Resource (xAPI 1.0.3 / 2.0 §2.1) platforms' plugins post to.

Moodle's ``logstore_xapi`` and LearnDash (through GrassBlade) send to it unchanged.

Only what those senders use is served: POST (one statement or an array; 200 with the ids)
and PUT with ``statementId`` (204), plus ``GET /xapi/about``. The client authenticates as
an LRS key and secret (HTTP Basic: the platform client's id and secret) or with a bearer
token, and must hold ``completions:write``.
"""

import base64
import binascii
import re
import uuid
from typing import Annotated, Any
from urllib.parse import unquote

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.params import HeaderParameter, QueryParameter

from service.api.bodies import decode_strict, media_type
from service.api.dependencies import SECURITY, Authorization, bearer_with
from service.api.errors import problems
from service.api.throttle import throttle_completions
from service.domain.clients.clients import Principal
from service.domain.errors import InvalidInput, OAuthError
from service.domain.texts import Said
from service.domain.xapi.statements import Statement, read_statements
from service.pipelines.xapi_assembly import receive_statements
from service.runtime import Runtime
from service.throttling import (
    caller_address,
    count_completions,
    room_for_a_completion,
    secret_failures,
)

MAX_BODY_BYTES = 8 * 1024 * 1024
VERSION_HEADER = "X-Experience-API-Version"
_VERSION = re.compile(r"^(1\.0|2\.0)(\.\d+)?$")
_ANSWERED_VERSION = {"1.0": "1.0.3", "2.0": "2.0.0"}
Statements = list[dict[str, Any]] | dict[str, Any]


class BadStatements(HTTPException):
    """xAPI §2.2: a version or statement the LRS cannot take rejects the whole request (400)."""

    status_code = 400


def _read(body: Statements) -> list[Statement]:
    try:
        return read_statements(body)
    except InvalidInput as error:
        raise BadStatements(detail=f"invalid statements: {error}") from None


async def xapi_principal(
    request: Request[object, object, State],
    runtime: NamedDependency[Runtime],
    authorization: Authorization = None,
) -> Principal:
    """The platform client, by its LRS key and secret or a bearer token; needs completions:write.

    Wrong secrets count against the same failure tiers as the token endpoint's.
    """
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        client_id, secret = _basic(value.strip())
        address = caller_address(request, runtime)
        async with secret_failures(runtime, address, client_id), runtime.read() as services:
            found = await services.clients.authenticate(client_id, secret)
    elif scheme.lower() == "bearer" and value.strip():
        async with runtime.read() as services:
            found = await services.clients.principal(value.strip())
    else:
        raise OAuthError("invalid_client", Said("xapi-credentials-required"))
    found.require("completions:write")
    return found


SECURITY[xapi_principal] = [{"basic": []}, *bearer_with("completions:write")]


def _basic(encoded: str) -> tuple[str, str]:
    try:
        client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", Said("basic-malformed")) from None
    return unquote(client_id), unquote(secret)


def _version(header: str | None) -> str:
    """The version to answer with; xAPI §2.1.1 (Communication 3.3): missing or unknown is 400."""
    found = _VERSION.match(header or "")
    if found is None:
        raise BadStatements(
            detail=f"send the {VERSION_HEADER} header: 1.0.x or 2.0.x (got {header or 'none'})"
        )
    return _ANSWERED_VERSION[found.group(1)]


Version = Annotated[
    str | None,
    HeaderParameter(name=VERSION_HEADER, description="1.0.3 (any 1.0.x) or 2.0.0", required=False),
]


def _describe(data: Statements) -> None:
    """Never called: its ``data`` is the body the OpenAPI shows (read by `service.api.bodies`)."""


class XapiStatementController(Controller):
    path = "/xapi"
    tags = ["xAPI"]
    dependencies = {
        "principal": Provide(xapi_principal),
        "throttled": Provide(throttle_completions),
        "documented_body": Provide(_describe, sync_to_thread=False),
    }

    @post(
        "/statements",
        operation_id="PostXapiStatements",
        status_code=200,
        request_max_body_size=MAX_BODY_BYTES,
        responses=problems(400, 401, 403, 409, 413, 415, 422, 429, 503),
    )
    async def post_statements(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        version: Version = None,
    ) -> Response[list[str]]:
        """Store one statement or an array; answers the ids, assigning those missing.

        Statements no mapping reads are accepted and ignored; a completion whose statements
        are all in is issued before the answer. Each ``completed`` statement (each may issue
        a badge) counts against the client's completion limit, as a batch's items do: a
        batch that does not fit in what is left is refused whole (429, ``Retry-After``), and
        a client with no room left is refused before its body is read.
        """
        answered = _version(version)
        await room_for_a_completion(runtime, principal)  # else the body is not read
        statements = _read(await _body(request))
        completions = sum(1 for statement in statements if statement.verb == "completed")
        await count_completions(runtime, principal, max(1, completions))
        ids = await receive_statements(runtime, principal, statements)
        return Response([str(i) for i in ids], headers={VERSION_HEADER: answered})

    @put(
        "/statements",
        operation_id="PutXapiStatement",
        status_code=204,
        request_max_body_size=MAX_BODY_BYTES,
        responses=problems(400, 401, 403, 409, 413, 415, 422, 429, 503),
    )
    async def put_statement(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        throttled: NamedDependency[None],
        statement_id: Annotated[uuid.UUID, QueryParameter(name="statementId")],
        version: Version = None,
    ) -> Response[None]:
        """Store one statement under the given id (xAPI §2.1.2: 204 No Content)."""
        del throttled
        answered = _version(version)
        body = await _body(request)
        if not isinstance(body, dict):
            raise BadStatements(detail="PUT takes one statement (a JSON object)")
        if body.get("id", str(statement_id)) != str(statement_id):
            raise BadStatements(detail="the statement's id differs from the statementId parameter")
        statements = _read({**body, "id": str(statement_id)})
        await receive_statements(runtime, principal, statements)
        return Response(None, status_code=204, headers={VERSION_HEADER: answered})


@get("/xapi/about", operation_id="GetXapiAbout", tags=["xAPI"])
async def xapi_about() -> dict[str, list[str]]:
    """The xAPI versions this endpoint speaks (xAPI §2.8, the About Resource)."""
    return {"version": ["1.0.3", "2.0.0"]}


async def _body(request: Request[object, object, State]) -> Statements:
    if media_type(request) != "application/json":
        raise UnsupportedStatements(
            detail=f"send statements as application/json (got {media_type(request) or 'none'})"
        )
    return decode_strict(await request.body(), Statements)  # type: ignore[arg-type]


class UnsupportedStatements(HTTPException):
    status_code = 415
