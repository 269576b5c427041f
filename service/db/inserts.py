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

from service.db.tables import Base


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, for statements that need no ORM."""
    return cast("Table", model.__table__)


def _insert(session: AsyncSession, model: type[Base]) -> Any:  # noqa: ANN401 - dialect insert
    """On the table, not the mapped class: a Core statement skips the ORM's bulk-insert work."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table_of(model))
    return sqlite.insert(table_of(model))


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
    statement = (
        _insert(session, model)
        .values(values)
        .on_conflict_do_nothing(index_elements=list(conflict) if conflict else None)
        .returning(table_of(model).c[key])
    )
    return (await session.execute(statement)).first() is not None


async def upsert_returning_id(
    session: AsyncSession,
    model: type[Base],
    values: dict[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> uuid.UUID:
    """Insert a row or, when it exists, update the `update` columns; returns its id."""
    statement = _insert(session, model).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=list(conflict), set_={name: statement.excluded[name] for name in update}
    ).returning(model.__table__.c.id)
    found: uuid.UUID = (await session.execute(statement)).scalar_one()
    return found
