"""An award's rows written in one statement on PostgreSQL, in a transaction's steps elsewhere.

Storing a signed credential writes six tables: hold the issuer's keys, upsert the learner,
insert the completion (a retry's insert is ignored on its unique constraint), its evidence,
the credential, its audit event and the event's webhook deliveries. Each statement is a round
trip, and a round trip costs the server and PostgreSQL about as much as a short statement's
own work: on PostgreSQL `write_award` sends the whole write as one statement of
data-modifying CTEs, which also commits by itself (no BEGIN and COMMIT), where the steps took
nine round trips. A single statement is atomic: a status index taken meanwhile fails it on the
credentials' unique constraint and nothing is kept; keys rotated meanwhile, or a concurrent
duplicate's completion, leave the rows after them unwritten (they select from the CTE before
them). SQLite has no data-modifying CTEs: there the same rows are written in steps, in the
caller's transaction. Both give the same `Written`; `tests/service/domain/test_awards.py`
holds them to the same outcomes on both databases.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Table, any_, bindparam, func, insert, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from service.db.direct import execute
from service.db.inserts import insert_ignoring_conflicts, table_of, upsert_returning_id
from service.db.tables import (
    AuditEventRecord,
    CompletionRecord,
    CredentialRecord,
    EvidenceRecord,
    IssuerKeyRecord,
    LearnerRecord,
    WebhookDeliveryRecord,
)

Row = Mapping[str, Any]

_KEYS = table_of(IssuerKeyRecord)
_LEARNERS = table_of(LearnerRecord)
_COMPLETIONS = table_of(CompletionRecord)
_EVIDENCE = table_of(EvidenceRecord)
_CREDENTIALS = table_of(CredentialRecord)
_AUDIT = table_of(AuditEventRecord)
_DELIVERIES = table_of(WebhookDeliveryRecord)


class AwardRows(NamedTuple):
    """What storing one award writes; the completion's ``learner_id`` is the learner's row's."""

    issuer_id: uuid.UUID
    key_names: Sequence[str]  # the keys it was signed with: still active, held until the end
    learner: Row
    completion: Row
    evidence: Sequence[Row]
    credential: Row
    audit: Row
    deliveries: Sequence[Row]


class Written(NamedTuple):
    """What `write_award` found; only when all three hold were the rows kept."""

    keys_held: bool  # the keys are still active (else nothing was written)
    is_new: bool  # the completion was inserted (else a retry's: only the learner was written)
    credential_stored: bool  # its status indexes were free (else nothing was kept)


async def write_award(session: AsyncSession, rows: AwardRows) -> Written:
    """Write an award's rows: one statement on PostgreSQL, steps in the unit elsewhere.

    When the credential is not stored (an index taken meanwhile), the caller must end its unit
    by raising: the steps' rows are in its transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        return await _in_one_statement(session, rows)
    return await _in_steps(session, rows)


async def _in_one_statement(session: AsyncSession, rows: AwardRows) -> Written:
    values: dict[str, Any] = {"issuer": rows.issuer_id, "names": list(rows.key_names)}
    values["key_count"] = len(rows.key_names)
    linked = {"learner_id", "completion_id"}  # from the CTE before
    singles: tuple[tuple[str, Row, tuple[str, ...]], ...] = (
        ("l", rows.learner, _LEARNER_COLUMNS),
        ("c", rows.completion, _COMPLETION_COLUMNS),
        ("cr", rows.credential, _CREDENTIAL_COLUMNS),
        ("a", rows.audit, _AUDIT_COLUMNS),
    )
    for prefix, row, columns in singles:
        values.update({f"{prefix}_{name}": row[name] for name in columns if name not in linked})
    for prefix, table, items in (
        ("e", _EVIDENCE, rows.evidence),
        ("d", _DELIVERIES, rows.deliveries),
    ):
        names = _ARRAY_COLUMNS[table.name]
        values.update({f"{prefix}_{name}": [item[name] for item in items] for name in names})
    try:
        found = (await execute(session, _AWARD, values)).one()
    except IntegrityError as error:
        driver_error = error.orig.__cause__ if error.orig is not None else None
        if getattr(driver_error, "table_name", None) != _CREDENTIALS.name:
            raise
        return Written(keys_held=True, is_new=True, credential_stored=False)
    held, completion_id, credential_id = found
    return Written(
        keys_held=held == len(rows.key_names),
        is_new=completion_id is not None,
        credential_stored=credential_id is not None,
    )


async def _in_steps(session: AsyncSession, rows: AwardRows) -> Written:
    held = (
        await execute(session, HOLD_KEYS, {"issuer": rows.issuer_id, "names": list(rows.key_names)})
    ).scalars()
    if sorted(held) != sorted(rows.key_names):
        return Written(keys_held=False, is_new=False, credential_stored=False)
    learner_id = await upsert_returning_id(
        session, LearnerRecord, dict(rows.learner), conflict=["email"], update=["email"]
    )
    completion = {**rows.completion, "learner_id": learner_id}
    if not await insert_ignoring_conflicts(session, CompletionRecord, completion):
        return Written(keys_held=True, is_new=False, credential_stored=False)
    if rows.evidence:
        await execute(session, _INSERT_EVIDENCE, [dict(item) for item in rows.evidence])
    if not await insert_ignoring_conflicts(session, CredentialRecord, dict(rows.credential)):
        return Written(keys_held=True, is_new=True, credential_stored=False)
    await execute(session, _INSERT_AUDIT, dict(rows.audit))
    if rows.deliveries:
        await execute(session, _INSERT_DELIVERIES, [dict(item) for item in rows.deliveries])
    return Written(keys_held=True, is_new=True, credential_stored=True)


# Built once: statements are compiled and kept by identity.
_INSERT_EVIDENCE = insert(_EVIDENCE)
_INSERT_AUDIT = insert(_AUDIT)
_INSERT_DELIVERIES = insert(_DELIVERIES)
# An issuer's keys of these names, if still active, held until the transaction ends (a
# rotation, which updates them, waits): the award's first step, and a status change's.
HOLD_KEYS = (
    select(_KEYS.c.name)
    .where(
        _KEYS.c.issuer_id == bindparam("issuer"),
        _KEYS.c.name.in_(bindparam("names", expanding=True)),
        _KEYS.c.is_active,
    )
    .with_for_update(read=True)
)

# The columns each row gives (the others keep their server defaults).
_LEARNER_COLUMNS = ("id", "email", "did", "created_at")
_COMPLETION_COLUMNS = (
    "id",
    "client_id",
    "external_id",
    "idempotency_key",
    "fingerprint",
    "learner_id",
    "learner_name",
    "achievement_id",
    "completed_at",
    "share_reflections",
    "created_at",
    "achievement_version",
    "hours",
)
_CREDENTIAL_COLUMNS = (
    "id",
    "completion_id",
    "issuer_id",
    "signed_json",
    "jwt",
    "status",
    "manage_token_hash",
    "status_list_id",
    "status_index",
    "suspension_list_id",
    "suspension_index",
    "issued_at",
)
_AUDIT_COLUMNS = ("id", "at", "actor", "action", "subject", "detail", "issuer")
# The columns given per item, as arrays (unnest), for the tables with many rows per award.
_ARRAY_COLUMNS = {
    _EVIDENCE.name: ("id", "prompt_key", "position", "answer", "digest_sri", "prompt_text"),
    _DELIVERIES.name: (
        "id",
        "endpoint_id",
        "event",
        "message_id",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    ),
}


def _given(prefix: str, table: Table, name: str) -> BindParameter[Any]:
    return bindparam(f"{prefix}_{name}", type_=table.c[name].type)


def _award_statement() -> Any:  # noqa: ANN401 - a Select with its CTEs
    """The PostgreSQL statement: built once, bound to each award's rows."""
    held = (
        select(_KEYS.c.name)
        .where(
            _KEYS.c.issuer_id == bindparam("issuer"),
            _KEYS.c.name == any_(bindparam("names", type_=postgresql.ARRAY(_KEYS.c.name.type))),
            _KEYS.c.is_active,
        )
        .with_for_update(read=True)
        .cte("held")
    )
    held_count = select(func.count()).select_from(held).scalar_subquery()
    learner_insert = postgresql.insert(_LEARNERS).from_select(
        _LEARNER_COLUMNS,
        select(*(_given("l", _LEARNERS, name) for name in _LEARNER_COLUMNS)).where(
            held_count == bindparam("key_count")
        ),
    )
    learner = (
        learner_insert.on_conflict_do_update(
            index_elements=["email"], set_={"email": learner_insert.excluded.email}
        )
        .returning(_LEARNERS.c.id)
        .cte("learner")
    )
    completion = (
        postgresql.insert(_COMPLETIONS)
        .from_select(
            _COMPLETION_COLUMNS,
            select(
                *(
                    learner.c.id if name == "learner_id" else _given("c", _COMPLETIONS, name)
                    for name in _COMPLETION_COLUMNS
                )
            ),
        )
        .on_conflict_do_nothing()
        .returning(_COMPLETIONS.c.id)
        .cte("completion")
    )
    credential = (
        insert(_CREDENTIALS)
        .from_select(
            _CREDENTIAL_COLUMNS,
            select(
                *(
                    completion.c.id if name == "completion_id" else _given("cr", _CREDENTIALS, name)
                    for name in _CREDENTIAL_COLUMNS
                )
            ),
        )
        .returning(_CREDENTIALS.c.id)
        .cte("credential")
    )
    evidence_items = _unnested("e", _EVIDENCE)
    evidence = (
        insert(_EVIDENCE)
        .from_select(
            ["completion_id", *_ARRAY_COLUMNS[_EVIDENCE.name]],
            select(completion.c.id, *evidence_items.c).select_from(
                completion.join(evidence_items, true())
            ),
        )
        .cte("evidence")
    )
    audit = (
        insert(_AUDIT)
        .from_select(
            _AUDIT_COLUMNS,
            select(*(_given("a", _AUDIT, name) for name in _AUDIT_COLUMNS)).select_from(credential),
        )
        .cte("audit")
    )
    delivery_items = _unnested("d", _DELIVERIES)
    deliveries = (
        insert(_DELIVERIES)
        .from_select(
            list(_ARRAY_COLUMNS[_DELIVERIES.name]),
            select(*delivery_items.c).select_from(credential.join(delivery_items, true())),
        )
        .cte("deliveries")
    )
    return select(
        held_count.label("held"),
        select(completion.c.id).scalar_subquery().label("completion_id"),
        select(credential.c.id).scalar_subquery().label("credential_id"),
    ).add_cte(evidence, audit, deliveries)


def _unnested(prefix: str, table: Table) -> Any:  # noqa: ANN401 - a table-valued function
    """``unnest(arrays…) AS t(columns…)``: the items given as one array per column."""
    names = _ARRAY_COLUMNS[table.name]
    arrays = [
        bindparam(f"{prefix}_{name}", type_=postgresql.ARRAY(table.c[name].type)) for name in names
    ]
    return func.unnest(*arrays).table_valued(*names).render_derived()


_AWARD = _award_statement()
