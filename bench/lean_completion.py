"""The floor a completion is measured against: the same work with nothing in between.

A bare ASGI application (no framework, no ORM, no units of work) answering
``POST /api/v1/completions`` on Insigne's own database with raw asyncpg prepared statements.
Per request it does what Insigne does: check the bearer token (the project's own
`token_claims`, which remembers a token whose signature held, as Insigne does), read the
client (disabled? secret renewed?), look for a retry (externalId or Idempotency-Key), read
the achievement with its prompts and (above level 1) the track rule, read the issuer's
active keys, take a status index (the same counter statement), build and sign the
credential with the project's own code (compiled canonical form, Ed25519 Data Integrity,
RS256 VC-JWT), then write the rows: the learner (upserted), the completion, its evidence,
the credential and the audit event, the keys held FOR SHARE, and look for webhook
subscribers; it answers the same JSON. ``LEAN_WRITE=statement`` (the default) writes them in
one statement without a transaction block, as Insigne does on PostgreSQL
(`service.db.award_writes`), the subscribers read while preparing; ``LEAN_WRITE=steps``
in a transaction of one statement per row, as the issue's prototype did (14 round trips).

What it leaves out, deliberately: the domain objects of the achievement and the issuer's keys
are built once at start (the rows are still read per request, as Insigne reads them), there is
no rate limiter, no metrics, no access log, and errors are bare 4xx without problem details.
``bench/completion_cpu.py`` serves it with uvicorn beside ``insigne serve``.
"""

import hashlib
import json
import os
import secrets
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from email_validator import validate_email

from openbadges.jsontypes import dumps
from openbadges.status import status_entry
from service.db.ids import new_id
from service.domain.catalogue.achievements import Achievement
from service.domain.clients.clients import TokenClaims, token_claims  # the same token rules
from service.domain.clock import utc_now
from service.domain.credentials.completions import Completion, Learner, Reflection
from service.domain.credentials.credentials import (
    Draft,
    SignedCredential,
    build_credential,
    evidence_items,
    sign_both_ways,
)
from service.domain.credentials.status_slots import permuted_index
from service.domain.errors import Unauthorized
from service.domain.issuers.issuers import IssuerKeys
from service.domain.urls import Urls
from service.runtime import Runtime
from service.settings import Settings

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_CLIENT = (
    "SELECT id, client_id, disabled_at, secret_generation, scopes, issuer_slugs"
    " FROM clients WHERE client_id = $1"
)
_REPLAY = (
    "SELECT completions.fingerprint, credentials.id, credentials.signed_json, credentials.jwt,"
    " credentials.status FROM completions LEFT OUTER JOIN credentials"
    " ON credentials.completion_id = completions.id"
    " WHERE completions.client_id = $1 AND (completions.external_id = $2"
    " OR completions.idempotency_key = $3)"
    " ORDER BY completions.external_id != $2 LIMIT 1"
)
_ACHIEVEMENT = (
    "SELECT achievements.id, achievements.issuer_id, achievements.archived_at,"
    " achievements.track, achievements.level, achievements.version, prompts.key,"
    " prompts.min_length FROM achievements LEFT OUTER JOIN prompts"
    " ON prompts.achievement_id = achievements.id WHERE achievements.slug = $1"
)
_TRACK = "SELECT requires_previous_level FROM tracks WHERE issuer_id = $1 AND name = $2"
_KEYS = (
    "SELECT issuers.slug, issuer_keys.name, issuer_keys.encrypted_private_key FROM issuers"
    " JOIN issuer_keys ON issuer_keys.issuer_id = issuers.id"
    " WHERE issuers.id = $1 AND issuer_keys.is_active"
)
_TAKE = (
    "UPDATE status_lists SET allocated = allocated + 1 WHERE issuer_id = $1"
    " AND purpose = 'revocation' AND allocated < size AND slot_key IS NOT NULL AND sequence ="
    " (SELECT max(older.sequence) FROM status_lists AS older WHERE older.issuer_id = $1"
    " AND older.purpose = 'revocation') RETURNING id, size, allocated, slot_key"
)
_HOLD = (
    "SELECT name FROM issuer_keys WHERE issuer_id = $1 AND name = ANY($2::varchar[])"
    " AND is_active FOR SHARE"
)
_LEARNER = (
    "INSERT INTO learners (id, email, did, created_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id"
)
_COMPLETION = (
    "INSERT INTO completions (id, client_id, external_id, idempotency_key, fingerprint,"
    " learner_id, learner_name, achievement_id, completed_at, share_reflections, created_at,"
    " achievement_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    " ON CONFLICT DO NOTHING RETURNING id"
)
_EVIDENCE = (
    "INSERT INTO evidence (id, completion_id, prompt_key, position, answer, digest_sri,"
    " prompt_text) VALUES ($1, $2, $3, $4, $5, $6, $7)"
)
_CREDENTIAL = (
    "INSERT INTO credentials (id, completion_id, issuer_id, signed_json, jwt, status,"
    " status_list_id, status_index, issued_at, manage_token_hash)"
    " VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id"
)
_AUDIT = (
    "INSERT INTO audit_events (id, at, actor, action, subject, detail, issuer)"
    " VALUES ($1, $2, $3, 'credential.issue', $4, $5::jsonb, $6)"
)
# The whole write in one statement, as Insigne makes it on PostgreSQL (service.db.award_writes).
_AWARD = (
    "WITH held AS (SELECT name FROM issuer_keys WHERE issuer_id = $1"
    " AND name = ANY($2::varchar[]) AND is_active FOR SHARE),"
    " learner AS (INSERT INTO learners (id, email, did, created_at)"
    " SELECT $3::uuid, $4::varchar, $5::varchar, $6::timestamptz"
    " WHERE (SELECT count(*) FROM held) = $7"
    " ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id),"
    " completion AS (INSERT INTO completions (id, client_id, external_id, idempotency_key,"
    " fingerprint, learner_id, learner_name, achievement_id, completed_at, share_reflections,"
    " created_at, achievement_version) SELECT $8::uuid, $9::uuid, $10::varchar, $11::varchar,"
    " $12::varchar, learner.id, $13::varchar, $14::uuid, $15::timestamptz, $16::boolean, $6,"
    " $17::integer FROM learner ON CONFLICT DO NOTHING RETURNING id),"
    " evidence AS (INSERT INTO evidence (id, completion_id, prompt_key, position, answer,"
    " digest_sri, prompt_text) SELECT e.id, completion.id, e.prompt_key, e.position, e.answer,"
    " e.digest_sri, e.prompt_text FROM completion, unnest($18::uuid[], $19::varchar[],"
    " $20::integer[], $21::text[], $22::varchar[], $23::text[])"
    " AS e(id, prompt_key, position, answer, digest_sri, prompt_text)),"
    " credential AS (INSERT INTO credentials (id, completion_id, issuer_id, signed_json, jwt,"
    " status, status_list_id, status_index, issued_at, manage_token_hash) SELECT $24::uuid,"
    " completion.id, $25::uuid, $26::text, $27::text, 'active', $28::uuid, $29::integer,"
    " $30::timestamptz, $31::varchar FROM completion RETURNING id),"
    " audit AS (INSERT INTO audit_events (id, at, actor, action, subject, detail, issuer)"
    " SELECT $32::uuid, $6, $33::varchar, 'credential.issue', $34::varchar, $35::jsonb,"
    " $36::varchar FROM credential),"
    " deliveries AS (INSERT INTO webhook_deliveries (id, endpoint_id, event, message_id, body,"
    " status, attempts, next_attempt_at, created_at) SELECT d.id, d.endpoint_id,"
    " 'credential.issued', $37::varchar, $38::text, 'pending', 0, $6, $6 FROM credential,"
    " unnest($39::uuid[], $40::uuid[]) AS d(id, endpoint_id))"
    " SELECT (SELECT count(*) FROM held), (SELECT id FROM completion),"
    " (SELECT id FROM credential)"
)
_SUBSCRIBERS = (  # as Insigne narrows it: the event's, the submitter's or the issuer's clients
    "SELECT webhook_endpoints.id, clients.scopes, clients.issuer_slugs FROM webhook_endpoints"
    " JOIN clients ON clients.id = webhook_endpoints.client_id"
    " WHERE webhook_endpoints.disabled_at IS NULL AND clients.disabled_at IS NULL"
    " AND webhook_endpoints.events ? 'credential.issued'"
    " AND (clients.id = $1 OR clients.issuer_slugs ? $2)"
)


class _Reflection(msgspec.Struct):
    prompt: str
    answer: str


class _Learner(msgspec.Struct):
    email: str
    name: str
    id: str | None = None


class _Body(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    achievement: str
    external_id: str
    learner: _Learner
    completed_at: datetime
    reflections: list[_Reflection]
    share_reflections: bool = False


class _Refused(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class LeanCompletions:
    """The ASGI application: one pool, the domain objects read once, nothing else."""

    def __init__(self, settings: Settings, *, one_statement: bool = True) -> None:
        self._settings = settings
        self._one_statement = one_statement  # the write as one statement, or in 14 steps
        self._urls = Urls(settings.public_url)
        self._pool: asyncpg.Pool | None = None
        self._achievements: dict[str, Achievement] = {}
        self._keys: dict[uuid.UUID, IssuerKeys] = {}
        self._decoder = msgspec.json.Decoder(_Body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        headers = dict(scope["headers"])
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            if scope["path"] != "/api/v1/completions" or scope["method"] != "POST":
                raise _Refused(404)
            status, payload = await self._complete(headers, body)
        except _Refused as refused:
            status, payload = refused.status, b'{"status": %d}' % refused.status
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._pool is not None:
                    await self._pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _start(self) -> None:
        url = self._settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
        self._pool = await asyncpg.create_pool(url, min_size=10, max_size=20)
        runtime = Runtime.build(self._settings)
        try:  # the domain objects, once: their rows are still read per request
            async with runtime.read() as services:
                for achievement in await services.achievements.list():
                    self._achievements[achievement.slug] = achievement
                    issuer = achievement.issuer_id
                    self._keys[issuer] = await services.issuers.signing_keys(issuer)
        finally:
            await runtime.close()

    async def _complete(self, headers: dict[bytes, bytes], raw: bytes) -> tuple[int, bytes]:
        claims = self._claims(headers)
        try:
            body = self._decoder.decode(raw)
        except msgspec.ValidationError:
            raise _Refused(400) from None
        completion = Completion.normalised(
            achievement=body.achievement,
            external_id=body.external_id,
            learner=Learner(body.learner.email, body.learner.name, body.learner.id),
            completed_at=body.completed_at,
            share_reflections=body.share_reflections,
            reflections=tuple(Reflection(r.prompt, r.answer) for r in body.reflections),
        )
        fingerprint = hashlib.sha256(dumps(completion.to_canonical())).hexdigest()
        key = headers.get(b"idempotency-key", b"").decode() or None
        if self._pool is None:
            raise _Refused(503)
        async with self._pool.acquire() as db:
            client = await db.fetchrow(_CLIENT, claims.client_id)
            if (
                client is None
                or client["disabled_at"] is not None
                or client["secret_generation"] != claims.generation
                or "completions:write" not in json.loads(client["scopes"])
            ):
                raise _Refused(401)
            replay = await db.fetchrow(_REPLAY, client["id"], completion.external_id, key)
            if replay is not None:
                if replay[0] != fingerprint:
                    raise _Refused(409)
                return 200, self._answer(replay[1], replay[2], replay[3], replay[4], None)
            draft = await self._draft(db, client, completion)
            if self._one_statement:  # read while preparing, as Insigne does
                await db.fetch(_SUBSCRIBERS, client["id"], draft.issuer.issuer.slug)
        signed = sign_both_ways(build_credential(draft, self._urls), draft.issuer, draft.issued_at)
        manage = secrets.token_urlsafe(32)
        write = self._write_in_one if self._one_statement else self._write_in_steps
        async with self._pool.acquire() as db:
            await write(db, client, key, fingerprint, draft, signed, manage)
        manage_url = self._urls.manage(draft.credential_id, manage)
        answer = self._answer(
            draft.credential_id, signed.json.decode(), signed.jwt, "active", manage_url
        )
        return 201, answer

    async def _write_in_steps(
        self,
        db: asyncpg.Connection,
        client: asyncpg.Record,
        key: str | None,
        fingerprint: str,
        draft: Draft,
        signed: SignedCredential,
        manage: str,
    ) -> None:
        """The issue's prototype: a transaction of one statement per row (14 round trips)."""
        completion = draft.completion
        async with db.transaction():
            names = draft.issuer.key_names
            if len(await db.fetch(_HOLD, draft.issuer.issuer.id, names)) != len(names):
                raise _Refused(409)
            now = datetime.now(UTC)
            learner = await db.fetchval(
                _LEARNER, new_id(), completion.learner.email, completion.learner.id, now
            )
            if not await db.fetchval(
                _COMPLETION,
                draft.completion_id,
                client["id"],
                completion.external_id,
                key,
                fingerprint,
                learner,
                completion.learner.name,
                draft.achievement.id,
                completion.completed_at,
                completion.share_reflections,
                now,
                draft.achievement.version,
            ):
                raise _Refused(409)
            await db.executemany(
                _EVIDENCE,
                [
                    (
                        item.id,
                        draft.completion_id,
                        item.prompt_key,
                        item.position,
                        item.answer,
                        item.digest_sri,
                        item.prompt_text,
                    )
                    for item in draft.evidence
                ],
            )
            if not await db.fetchval(
                _CREDENTIAL,
                draft.credential_id,
                draft.completion_id,
                draft.issuer.issuer.id,
                signed.json.decode(),
                signed.jwt,
                draft.status_list_id,
                draft.status_index,
                draft.issued_at,
                hashlib.sha256(manage.encode()).hexdigest(),
            ):
                raise _Refused(409)
            detail = {"achievement": draft.achievement.slug, "externalId": completion.external_id}
            await db.execute(
                _AUDIT,
                new_id(),
                now,
                client["client_id"],
                str(draft.credential_id),
                json.dumps(detail),
                draft.issuer.issuer.slug,
            )
            # None subscribe in the bench: nothing to deliver.
            await db.fetch(_SUBSCRIBERS, client["id"], draft.issuer.issuer.slug)

    async def _write_in_one(
        self,
        db: asyncpg.Connection,
        client: asyncpg.Record,
        key: str | None,
        fingerprint: str,
        draft: Draft,
        signed: SignedCredential,
        manage: str,
    ) -> None:
        """As Insigne on PostgreSQL: the whole write in one statement, no transaction block."""
        completion = draft.completion
        names = draft.issuer.key_names
        now = datetime.now(UTC)
        detail = {"achievement": draft.achievement.slug, "externalId": completion.external_id}
        items = draft.evidence
        try:
            held, completion_id, credential_id = await db.fetchrow(
                _AWARD,
                draft.issuer.issuer.id,
                names,
                new_id(),
                completion.learner.email,
                completion.learner.id,
                now,
                len(names),
                draft.completion_id,
                client["id"],
                completion.external_id,
                key,
                fingerprint,
                completion.learner.name,
                draft.achievement.id,
                completion.completed_at,
                completion.share_reflections,
                draft.achievement.version,
                [item.id for item in items],
                [item.prompt_key for item in items],
                [item.position for item in items],
                [item.answer for item in items],
                [item.digest_sri for item in items],
                [item.prompt_text for item in items],
                draft.credential_id,
                draft.issuer.issuer.id,
                signed.json.decode(),
                signed.jwt,
                draft.status_list_id,
                draft.status_index,
                draft.issued_at,
                hashlib.sha256(manage.encode()).hexdigest(),
                new_id(),
                client["client_id"],
                str(draft.credential_id),
                json.dumps(detail),
                draft.issuer.issuer.slug,
                "",
                "",
                [],
                [],
            )
        except asyncpg.UniqueViolationError:
            raise _Refused(409) from None
        if held != len(names) or completion_id is None or credential_id is None:
            raise _Refused(409)

    def _claims(self, headers: dict[bytes, bytes]) -> TokenClaims:
        authorization = headers.get(b"authorization", b"").decode()
        if not authorization.startswith("Bearer "):
            raise _Refused(401)
        try:
            claims = token_claims(
                authorization.removeprefix("Bearer "),
                self._settings.token_secret,
                self._settings.public_url,
            )
        except Unauthorized:
            raise _Refused(401) from None
        if "completions:write" not in claims.scopes:
            raise _Refused(403)
        return claims

    async def _draft(
        self, db: asyncpg.Connection, client: asyncpg.Record, completion: Completion
    ) -> Draft:
        rows = await db.fetch(_ACHIEVEMENT, completion.achievement)
        if not rows or rows[0]["archived_at"] is not None:
            raise _Refused(422)
        achievement = self._achievements[completion.achievement]
        issuer = self._keys[rows[0]["issuer_id"]]
        if issuer.issuer.slug not in json.loads(client["issuer_slugs"]):
            raise _Refused(422)
        validate_email(completion.learner.email, check_deliverability=False)
        lengths = {row["key"]: row["min_length"] for row in rows}
        answers = {r.prompt: r.answer for r in completion.reflections}
        if any(len(answers.get(key) or "") < (length or 0) for key, length in lengths.items()):
            raise _Refused(422)
        if rows[0]["track"] is not None and rows[0]["level"] > 1:  # as Insigne: level 1 has no rule
            await db.fetchval(_TRACK, rows[0]["issuer_id"], rows[0]["track"])
        key_rows = await db.fetch(_KEYS, rows[0]["issuer_id"])
        if len(key_rows) != 2:
            raise _Refused(422)
        taken = await db.fetchrow(_TAKE, rows[0]["issuer_id"])
        if taken is None:
            raise _Refused(503)  # the bench's list never fills: Insigne starts one first
        index = permuted_index(
            taken["allocated"] - 1, bytes.fromhex(taken["slot_key"]), taken["size"]
        )
        return Draft(
            credential_id=new_id(),
            completion_id=new_id(),
            completion=completion,
            achievement=achievement,
            issuer=issuer,
            evidence=evidence_items(completion, achievement),
            status=status_entry(self._urls.status_list(taken["id"]), index, "revocation"),
            status_list_id=taken["id"],
            status_index=index,
            issued_at=utc_now(),
        )

    def _answer(
        self,
        credential_id: uuid.UUID,
        signed_json: str,
        token: str,
        status: str,
        manage_url: str | None,
    ) -> bytes:
        answer = {
            "id": str(credential_id),
            "url": self._urls.credential(credential_id),
            "status": status,
            "credential": msgspec.Raw(signed_json.encode()),
            "jwt": token,
        }
        if manage_url is not None:
            answer["manageUrl"] = manage_url
        return msgspec.json.encode(answer)


def app() -> LeanCompletions:
    """For ``uvicorn --factory bench.lean_completion:app``: settings from the environment."""
    one = os.environ.get("LEAN_WRITE", "statement") == "statement"  # or "steps"
    return LeanCompletions(Settings.from_env(dict(os.environ)), one_statement=one)
