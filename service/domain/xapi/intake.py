"""xAPI statements held until one learner's completion can be assembled from them.

Only statements a mapping reads are kept (a ``completed`` of a mapped course, an
``answered`` of a mapped item); the rest are acknowledged and dropped. Statements are grouped
by learner (the e-mail: an ``mbox``, or an ``account`` whose e-mail the platform told) and by
mapping; a group is ready when it holds the course's ``completed`` and an answer to every
required prompt, in whatever order they came. Its completion then goes through the usual
idempotent pipeline under an external id made of the mapping and the e-mail, so duplicates
and concurrent assemblies still give one badge; the statements are then purged (a tombstone
keeps the id for idempotency, with no personal data).
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.identity import normalise_email
from service.db.ids import new_id
from service.db.inserts import insert_ignoring_conflicts, upsert_returning_id
from service.db.tables import (
    CompletionRecord,
    XapiAccountRecord,
    XapiMappingRecord,
    XapiStatementRecord,
)
from service.domain.catalogue.achievements import AchievementService
from service.domain.clients.clients import Principal
from service.domain.clock import Clock, utc_now
from service.domain.credentials.completions import Completion, Learner, Reflection
from service.domain.errors import Conflict, FieldProblem, InvalidInput, Unauthorized
from service.domain.texts import Said
from service.domain.xapi.mappings import Mapping, mapping_of
from service.domain.xapi.statements import Statement, account_actor, email_actor

PENDING, ASSEMBLED, VOIDED = "pending", "assembled", "voided"
MAX_ACCOUNTS = 1000  # per request
NO_EMAIL = "the e-mail of this account actor is not known: tell it (POST /api/v1/xapi-accounts)"


@dataclass(frozen=True)
class Account:
    home_page: str
    name: str
    email: str


@dataclass(frozen=True)
class Assembly:
    """One learner's held statements for one mapping, and what is still missing."""

    mapping: Mapping
    learner: str  # the e-mail, or the actor key of an account whose e-mail is unknown
    email: str | None
    statement_ids: tuple[uuid.UUID, ...]  # the rows held
    completion: Completion | None  # ready to issue
    missing: tuple[str, ...]
    is_issued: bool  # the completion exists already: its statements are leftovers
    problem: str | None  # why the pipeline refused it last time

    @property
    def external_id(self) -> str | None:
        return None if self.email is None else external_id(self.mapping, self.email)


def external_id(mapping: Mapping, email: str) -> str:
    """The completion's external id: one per mapping and learner, with no e-mail in clear."""
    return f"xapi:{mapping.id}:{hashlib.sha256(email.encode()).hexdigest()[:40]}"


class XapiIntake:
    """The calling platform's held statements and account e-mails."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        achievements: AchievementService,
        clock: Clock = utc_now,
    ) -> None:
        self._session = session
        self._principal = principal
        self._achievements = achievements
        self._clock = clock

    async def store(self, statements: list[Statement]) -> set[str]:
        """Hold the statements a mapping reads, apply voids; returns the actors touched.

        Raises:
            Conflict: a statement id already held with other content (xAPI §2.2: 409).
        """
        client = self._client()
        mappings = await self.mappings()
        completed = {mapping.completed_activity for mapping in mappings}
        answered = {iri for mapping in mappings for iri in mapping.answers.values()}
        now = self._clock()
        actors: set[str] = set()
        for statement in statements:
            if statement.voids is not None:
                if voided := await self._void(client, statement.voids):
                    actors.add(voided)
                continue
            if statement.actor is None or not (
                (statement.verb == "completed" and statement.activity in completed)
                or (
                    statement.verb == "answered"
                    and statement.activity in answered
                    and statement.response is not None
                )
            ):
                continue  # accepted and ignored
            occurred = min(statement.timestamp or now, now)  # never in the future
            inserted = await insert_ignoring_conflicts(
                self._session,
                XapiStatementRecord,
                {
                    "id": new_id(),
                    "client_id": client.id,
                    "statement_id": statement.id,
                    "fingerprint": statement.fingerprint,
                    "status": PENDING,
                    "verb": statement.verb,
                    "activity": statement.activity,
                    "actor": statement.actor,
                    "actor_name": statement.actor_name or None,
                    "response": statement.response,
                    "occurred_at": occurred,
                    "stored_at": now,
                },
                ["client_id", "statement_id"],
            )
            if inserted:
                actors.add(statement.actor)
            elif await self._held_fingerprint(client, statement.id) not in (
                None,
                statement.fingerprint,
            ):
                raise Conflict(Said("xapi-statement-conflict", id=statement.id))
        return actors

    async def assemblies(self, actors: set[str]) -> list[Assembly]:
        """The groups these actors' held statements belong to, each with what it misses."""
        client = self._client()
        emails = await self._emails(client, actors)
        keys: dict[str, set[str]] = {}
        for actor in actors:
            email = emails.get(actor)
            if email is None:
                keys[actor] = {actor}
            elif email not in keys:
                keys[email] = await self._actors_of(client, email)
        rows = await self._pending(client, {key for group in keys.values() for key in group})
        mappings = await self.mappings()
        found = []
        for learner, group in keys.items():
            held = [row for row in rows if row.actor in group]
            email = learner if "@" in learner and not learner.startswith("account:") else None
            found += [
                await self._assembly(mapping, learner, email, held)
                for mapping in mappings
                if any(row.activity in mapping.activities() for row in held)
            ]
        return found

    async def pending(self) -> list[Assembly]:
        """Every group of held statements, with why it waits."""
        client = self._client()
        actors = set(
            await self._session.scalars(
                select(XapiStatementRecord.actor).where(
                    XapiStatementRecord.client_id == client.id,
                    XapiStatementRecord.status == PENDING,
                )
            )
        )
        return await self.assemblies({actor for actor in actors if actor is not None})

    async def purge(self, row_ids: tuple[uuid.UUID, ...]) -> None:
        """The statements of an assembled completion: keep their ids, drop the rest."""
        await self._clear(row_ids, ASSEMBLED)

    async def refuse(self, row_ids: tuple[uuid.UUID, ...], problem: str) -> None:
        """Note why the pipeline refused a group (shown by `pending`); it stays held."""
        await self._session.execute(
            update(XapiStatementRecord)
            .where(XapiStatementRecord.id.in_(row_ids), XapiStatementRecord.status == PENDING)
            .values(problem=problem[:2000])
        )

    async def tell_accounts(self, accounts: list[Account]) -> set[str]:
        """Record the e-mails of account actors; returns the actors whose statements wait."""
        client = self._client()
        if len(accounts) > MAX_ACCOUNTS:
            raise InvalidInput(
                [FieldProblem("body", Said("xapi-accounts-at-once", most=MAX_ACCOUNTS))]
            )
        problems = []
        for position, account in enumerate(accounts):
            try:
                validate_email(account.email, check_deliverability=False)
            except EmailNotValidError as error:
                problems.append(
                    FieldProblem(f"[{position}].email", Said("email-invalid", reason=str(error)))
                )
            if not account.home_page or not account.name:
                problems.append(FieldProblem(f"[{position}]", Said("xapi-account-form")))
        if problems:
            raise InvalidInput(problems)
        for account in accounts:
            await upsert_returning_id(
                self._session,
                XapiAccountRecord,
                {
                    "id": new_id(),
                    "client_id": client.id,
                    "home_page": account.home_page,
                    "name": account.name,
                    "email": normalise_email(account.email),
                    "created_at": self._clock(),
                },
                conflict=["client_id", "home_page", "name"],
                update=["email"],
            )
        return {account_actor(account.home_page, account.name) for account in accounts}

    async def mappings(self) -> list[Mapping]:
        records = await self._session.scalars(
            select(XapiMappingRecord).where(XapiMappingRecord.client_id == self._client().id)
        )
        return [mapping_of(record) for record in records]

    async def _assembly(
        self, mapping: Mapping, learner: str, email: str | None, held: list[XapiStatementRecord]
    ) -> Assembly:
        rows = [row for row in held if row.activity in mapping.activities()]
        completions = sorted(
            (
                row
                for row in rows
                if row.verb == "completed" and row.activity == mapping.completed_activity
            ),
            key=_arrival,
        )
        answers = {
            key: max(candidates, key=_arrival)
            for key, iri in mapping.answers.items()
            if (candidates := [r for r in rows if r.verb == "answered" and r.activity == iri])
        }
        achievement = await self._achievements.get(str(mapping.achievement_id))
        missing = [] if email is not None else [NO_EMAIL]
        if not completions:
            missing.append(f"the completion of {mapping.completed_activity}")
        missing += [
            f"an answer to the prompt {prompt.key!r} ({mapping.answers[prompt.key]})"
            for prompt in achievement.prompts
            if prompt.is_required and prompt.key in mapping.answers and prompt.key not in answers
        ]
        is_issued = email is not None and await self.is_issued(external_id(mapping, email))
        completion = None
        if email is not None and not missing and not is_issued:
            first = completions[0]
            completion = Completion.normalised(
                achievement=str(mapping.achievement_id),
                external_id=external_id(mapping, email),
                learner=Learner(email, _name(completions, answers) or email),
                completed_at=first.occurred_at or first.stored_at,
                share_reflections=mapping.share_reflections,
                reflections=tuple(  # in the achievement's order, as its page shows them
                    Reflection(prompt.key, answers[prompt.key].response or "")
                    for prompt in achievement.prompts
                    if prompt.key in answers
                ),
            )
        problem = next((row.problem for row in rows if row.problem), None)
        return Assembly(
            mapping,
            learner,
            email,
            tuple(row.id for row in rows),
            completion,
            tuple(missing),
            is_issued,
            problem,
        )

    async def _void(self, client: Principal, statement_id: uuid.UUID) -> str | None:
        """Withdraw a held statement, or refuse it ahead of its arrival; returns its actor."""
        record = await self._session.scalar(
            select(XapiStatementRecord).where(
                XapiStatementRecord.client_id == client.id,
                XapiStatementRecord.statement_id == statement_id,
            )
        )
        if record is None:
            await insert_ignoring_conflicts(
                self._session,
                XapiStatementRecord,
                {
                    "id": new_id(),
                    "client_id": client.id,
                    "statement_id": statement_id,
                    "status": VOIDED,
                    "stored_at": self._clock(),
                },
                ["client_id", "statement_id"],
            )
            return None
        actor = record.actor if record.status == PENDING else None
        await self._clear((record.id,), VOIDED)
        return actor

    async def _clear(self, row_ids: tuple[uuid.UUID, ...], status: str) -> None:
        await self._session.execute(
            update(XapiStatementRecord)
            .where(XapiStatementRecord.id.in_(row_ids), XapiStatementRecord.status == PENDING)
            .values(status=status, actor=None, actor_name=None, response=None, problem=None)
        )

    async def _held_fingerprint(self, client: Principal, statement_id: uuid.UUID) -> str | None:
        return await self._session.scalar(
            select(XapiStatementRecord.fingerprint).where(
                XapiStatementRecord.client_id == client.id,
                XapiStatementRecord.statement_id == statement_id,
            )
        )

    async def _pending(self, client: Principal, actors: set[str]) -> list[XapiStatementRecord]:
        if not actors:
            return []
        found = await self._session.scalars(
            select(XapiStatementRecord).where(
                XapiStatementRecord.client_id == client.id,
                XapiStatementRecord.status == PENDING,
                XapiStatementRecord.actor.in_(actors),
            )
        )
        return list(found)

    async def _emails(self, client: Principal, actors: set[str]) -> dict[str, str]:
        """The e-mail of each actor that has one: its mbox, or what the platform told."""
        emails = {actor: actor[len("mailto:") :] for actor in actors if actor.startswith("mailto:")}
        accounts = [
            json.loads(actor[len("account:") :]) for actor in actors if actor.startswith("account:")
        ]
        if accounts:
            records = await self._session.scalars(
                select(XapiAccountRecord).where(
                    XapiAccountRecord.client_id == client.id,
                    or_(
                        *(
                            and_(XapiAccountRecord.home_page == h, XapiAccountRecord.name == n)
                            for h, n in accounts
                        )
                    ),
                )
            )
            emails |= {account_actor(r.home_page, r.name): r.email for r in records}
        return emails

    async def _actors_of(self, client: Principal, email: str) -> set[str]:
        """Every actor key that names this learner: the mbox and the accounts told."""
        records = await self._session.scalars(
            select(XapiAccountRecord).where(
                XapiAccountRecord.client_id == client.id, XapiAccountRecord.email == email
            )
        )
        return {email_actor(email), *(account_actor(r.home_page, r.name) for r in records)}

    async def is_issued(self, external: str) -> bool:
        """Whether this client's completion of that external id exists."""
        found = await self._session.scalar(
            select(CompletionRecord.id).where(
                CompletionRecord.client_id == self._client().id,
                CompletionRecord.external_id == external,
            )
        )
        return found is not None

    def _client(self) -> Principal:
        if self._principal is None:
            raise Unauthorized(Said("platform-client-required"))
        return self._principal


def _arrival(row: XapiStatementRecord) -> tuple[datetime, datetime, str]:
    return (row.occurred_at or row.stored_at, row.stored_at, str(row.statement_id))


def _name(
    completions: list[XapiStatementRecord], answers: dict[str, XapiStatementRecord]
) -> str | None:
    return next(
        (row.actor_name for row in [*completions, *answers.values()] if row.actor_name), None
    )
