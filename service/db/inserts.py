"""Portable ``INSERT … ON CONFLICT``: one statement where a SAVEPOINT and a retry took three.

SQLite (3.24+) and PostgreSQL share the syntax; SQLAlchemy builds it per dialect. A conflict
that is ignored leaves the transaction usable (no failed statement to roll back).
"""

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.direct import execute
from service.db.tables import Base


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, for statements that need no ORM."""
    return cast("Table", model.__table__)


def _insert(session: AsyncSession, model: type[Base]) -> Any:  # noqa: ANN401 - dialect insert
    """On the table, not the mapped class: a Core statement skips the ORM's bulk-insert work."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table_of(model))
    return sqlite.insert(table_of(model))


# Statements by shape (dialect, table, columns, conflict…): built once per process, then only
# bound to each row's values; building one costs more than running it.
_BUILT: dict[tuple[Any, ...], Any] = {}


async def insert_ignoring_conflicts(
    session: AsyncSession,
    model: type[Base],
    values: dict[str, Any],
    conflict: Sequence[str] | None = None,
    *,
    key: str = "id",
) -> bool:
    """Insert one row unless it clashes; True when it was inserted.

    The clash is on the `conflict` columns, or on any unique constraint when None; `key` is
    the primary-key column returned to tell the two apart.
    """
    columns = tuple(conflict) if conflict else None
    shape = ("ignore", session.get_bind().dialect.name, model, columns, key)
    if (statement := _BUILT.get(shape)) is None:
        statement = _BUILT[shape] = (
            _insert(session, model)
            .on_conflict_do_nothing(index_elements=list(columns) if columns else None)
            .returning(table_of(model).c[key])
        )
    # The columns come from the values' keys (SQLAlchemy caches the compiled form per keys).
    return (await execute(session, statement, values)).first() is not None


async def upsert_returning_id(
    session: AsyncSession,
    model: type[Base],
    values: dict[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> uuid.UUID:
    """Insert a row or, when it exists, update the `update` columns; returns its id."""
    shape = ("upsert", session.get_bind().dialect.name, model, tuple(conflict), tuple(update))
    if (statement := _BUILT.get(shape)) is None:
        inserted = _insert(session, model)
        statement = _BUILT[shape] = inserted.on_conflict_do_update(
            index_elements=list(conflict), set_={name: inserted.excluded[name] for name in update}
        ).returning(table_of(model).c.id)
    found: uuid.UUID = (await execute(session, statement, values)).scalar_one()
    return found
