"""Hot-path statements run straight on asyncpg, inside the unit's own transaction.

SQLAlchemy's execution of one compiled, cached statement (the greenlet hand-off, an execution
context, a cursor adapter, a result, the session's bookkeeping) costs about 0.18 ms of CPU
where this module's costs 0.10 ms, the driver's work included (a dozen statements in one unit,
measured on the 2-core bench machine); a completion runs a dozen statements. On
PostgreSQL `execute` compiles a Core statement once per shape (its parameter names), then runs
it on the unit's asyncpg connection through SQLAlchemy's own prepared-statement cache, with
SQLAlchemy's own type processors on the way in and out, and returns a SQLAlchemy `Result`:
callers see what ``session.execute`` gives them.

What it keeps of SQLAlchemy's execution: the transaction (begun first, as the dialect begins
it), the ``before_cursor_execute`` listeners (a read unit's SELECT-only guard, the tests'
statement counts; ``after_cursor_execute`` listeners are not called) and its errors
(`DBAPIError` and its kinds, parameters hidden; a lost connection invalidated). What it
leaves to ``session.execute``: SQLite and other dialects, statements that need Python-side
defaults, ORM statements that load mapped objects or write through the ORM, and any statement
while the session holds changes not yet flushed (the ORM would flush them first).

It reads a few of SQLAlchemy's internals (the compiled form's processors, the asyncpg
adapter's transaction and statement cache); `tests/service/test_direct_statements.py` holds
it to ``session.execute``'s answers, on both databases, for the SQLAlchemy version in uv.lock.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, Select
from sqlalchemy.engine import Connection, Result
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util.typing import TupleAny, Unpack

Parameters = Mapping[str, Any]


@dataclass(slots=True)
class _Compiled:
    """A statement compiled for asyncpg: its SQL, how to bind it, how to read its rows."""

    sql: str
    compiled: SQLCompiler
    order: Sequence[str]
    metadata: SimpleResultMetaData | None = None  # its rows' keys and processors, once known
    expanding: tuple[str, ...] = ()  # parameters given as lists, for ``IN``
    expanded: dict[tuple[int, ...], "_Expanded"] = field(default_factory=dict)  # by lengths
    binds: "_Binds | None" = None  # how each argument is made, when no list is expanded

    def rows(self, dialect: Any, attributes: Sequence[Any]) -> SimpleResultMetaData:  # noqa: ANN401
        """The rows' metadata: processors chosen by column type and the type the server sent."""
        if self.metadata is None:
            columns = self.compiled._result_columns
            self.metadata = SimpleResultMetaData(
                [column.keyname for column in columns],
                _processors=[
                    column.type._cached_result_processor(dialect, attribute.type.oid)
                    for column, attribute in zip(columns, attributes, strict=True)
                ],
            )
        return self.metadata


@dataclass(frozen=True, slots=True)
class _Expanded:
    """A statement with lists of given lengths: one placeholder per value in each list."""

    sql: str
    order: Sequence[str]
    processors: Mapping[str, Any]
    names: Mapping[str, Sequence[str]]  # a list parameter's name → its values' names


# Each positional argument: the given parameter it reads (None: a value the statement holds,
# processed once) and its type's processor (None: as given).
_Binds = tuple[tuple[str | None, Any, Any], ...]

_KEPT = "insigne_direct_connection"
_NO_ROWS = SimpleResultMetaData([])
_COMPILED: dict[tuple[int, tuple[str, ...], bool], tuple[Executable, _Compiled | None]] = {}
_MOST_COMPILED = 512  # hot statements are a few dozen; more means a caller builds them anew


async def execute(
    session: AsyncSession,
    statement: Executable,
    parameters: Parameters | Sequence[Parameters] | None = None,
) -> Result[Unpack[TupleAny]]:
    """``session.execute(statement, parameters)``, without SQLAlchemy's execution on PostgreSQL.

    `statement` must be built once (a module constant, or cached by shape): compiled forms are
    kept by its identity. A list of parameters runs as one ``executemany`` (no rows back).
    """
    many = isinstance(parameters, Sequence)
    rows_of: Sequence[Parameters] = (
        parameters if isinstance(parameters, Sequence) else [parameters or {}]
    )
    if session.bind is None or session.bind.dialect.driver != "asyncpg" or not rows_of:
        return await session.execute(statement, parameters)
    connection, sync, adapter = await _connection(session)
    compiled = _compiled(sync, statement, tuple(rows_of[0]), many=many)
    if compiled is None or not session.sync_session._is_clean():
        return await session.execute(statement, parameters)
    bound = [_bound(compiled, values) for values in rows_of]
    sql, arguments = bound[0][0], [values for _, values in bound]
    for listener in sync.dispatch.before_cursor_execute:
        listener(sync, None, sql, arguments if many else arguments[0], None, many)
    try:
        async with adapter._execute_mutex:
            if adapter._transaction is None:
                await adapter._start_transaction()
            if many:
                await adapter._connection.executemany(sql, arguments)
                return IteratorResult(_NO_ROWS, iter(()))
            prepared, attributes = await adapter._prepare(
                sql, getattr(sync.dialect, "_invalidate_schema_cache_asof", 0)
            )
            rows = await prepared.fetch(*arguments[0])
    except Exception as error:
        translated = _translated(sync, adapter, sql, error)
        if isinstance(translated, DBAPIError) and translated.connection_invalidated:
            await connection.invalidate(translated)  # as SQLAlchemy does: the pool drops it
        raise translated from error
    if not compiled.compiled._result_columns:
        return IteratorResult(_NO_ROWS, iter(()))
    return IteratorResult(compiled.rows(sync.dialect, attributes), iter(rows))


async def _connection(session: AsyncSession) -> tuple[AsyncConnection, Connection, Any]:
    """The unit's connection and its driver adapter, looked up once per transaction.

    ``session.connection()`` hands over to a greenlet each time; the transaction's connection
    does not change until the transaction ends, so it is kept beside it in ``session.info``.
    """
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(_KEPT)
    if kept is not None and transaction is not None and kept[0] is transaction:
        return kept[1], kept[2], kept[3]
    connection = await session.connection()
    sync = connection.sync_connection
    if sync is None:  # pragma: no cover - an AsyncConnection always wraps one
        raise RuntimeError("the session's connection is closed")
    adapter = sync.connection.dbapi_connection
    session.info[_KEPT] = (session.sync_session.get_transaction(), connection, sync, adapter)
    return connection, sync, adapter


def _compiled(
    connection: Connection, statement: Executable, keys: tuple[str, ...], *, many: bool
) -> _Compiled | None:
    """The statement's asyncpg form for these parameter names, or None when it needs more."""
    shape = (id(statement), keys, many)
    kept = _COMPILED.get(shape)
    if kept is not None and kept[0] is statement:
        return kept[1]
    if len(_COMPILED) >= _MOST_COMPILED:
        _COMPILED.clear()
    found = _compile(connection, statement, keys, many=many)
    _COMPILED[shape] = (statement, found)
    return found


def _compile(
    connection: Connection, statement: Executable, keys: tuple[str, ...], *, many: bool
) -> _Compiled | None:
    if _needs_the_orm(statement) or statement.get_execution_options():
        return None  # execution options (streaming, ORM loading) are SQLAlchemy's to honour
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=connection.dialect, column_keys=list(keys), for_executemany=many
    )
    if (
        not isinstance(compiled, SQLCompiler)
        or compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.schema_translate_map
        or not compiled.positional
        or (many and compiled.post_compile_params)
    ):
        return None
    expanding = tuple(sorted(parameter.key for parameter in compiled.post_compile_params))
    order = compiled.positiontup or ()
    binds = None if expanding else _binds(compiled, order, keys)
    return _Compiled(compiled.string, compiled, order, expanding=expanding, binds=binds)


def _binds(compiled: SQLCompiler, order: Sequence[str], keys: tuple[str, ...]) -> _Binds | None:
    """How `_bound` makes each argument without ``construct_params``, or None when it must.

    ``construct_params`` walks every bind parameter on each call: a given value by the bind's
    key or name, else the statement's own (a literal). For a statement compiled for these
    parameter names, which argument reads which is known once. Left to ``construct_params``:
    a missing required value (its error), a computed value (``callable_``), collected
    parameters.
    """
    if compiled._collected_params:
        return None
    processors: Mapping[str, Any] = compiled._bind_processors
    made: list[tuple[str | None, Any, Any]] = []
    for name in order:
        bind = compiled.binds[name]
        processor = processors.get(name)
        if bind.key in keys or name in keys:
            made.append((bind.key if bind.key in keys else name, None, processor))
        elif bind.required or bind.callable:
            return None
        else:
            made.append((None, processor(bind.value) if processor else bind.value, None))
    return tuple(made)


def _needs_the_orm(statement: Executable) -> bool:
    """Whether only the ORM can run it: it loads mapped objects, or is an ORM bulk DML.

    A SELECT of mapped classes' columns is ORM-enabled only in name: it compiles to the same
    SQL and gives plain rows (`execute` falls back when the session has changes to flush).
    """
    if statement._propagate_attrs.get("compile_state_plugin") != "orm":
        return False
    if not isinstance(statement, Select):
        return True
    return any(isinstance(column["type"], type) for column in statement.column_descriptions)


def _bound(compiled: _Compiled, values: Parameters) -> tuple[str, list[Any]]:
    """The SQL and its positional arguments, each through its type's processor.

    Literal binds are filled in, and a list parameter (``IN``) gets one placeholder per value,
    as SQLAlchemy's execution does it; the SQL for lists of the same lengths is made once.
    Without lists, each argument is made as `_binds` planned it.
    """
    if compiled.binds is not None:
        try:
            return compiled.sql, [
                held if key is None else processor(values[key]) if processor else values[key]
                for key, held, processor in compiled.binds
            ]
        except KeyError:  # a row of an executemany without a name the first row has
            pass
    form = compiled.compiled
    parameters = form.construct_params(dict(values), escape_names=False)
    processors: Mapping[str, Any] = form._bind_processors
    sql, order = compiled.sql, compiled.order
    if compiled.expanding:
        lengths = tuple(len(values[name]) for name in compiled.expanding)
        if (expanded := compiled.expanded.get(lengths)) is None:
            state = form.construct_expanded_state(dict(values), escape_names=False)
            expanded = compiled.expanded[lengths] = _Expanded(
                state.statement,
                state.positiontup or (),
                {**processors, **state.processors},
                state.parameter_expansion,
            )
        for name in compiled.expanding:
            parameters.update(zip(expanded.names[name], values[name], strict=True))
        sql, order, processors = expanded.sql, expanded.order, expanded.processors
    return sql, [
        processors[name](parameters[name]) if name in processors else parameters[name]
        for name in order
    ]


def _translated(connection: Connection, adapter: Any, sql: str, error: Exception) -> Exception:  # noqa: ANN401 - the dialect's adapter
    """The error SQLAlchemy would raise: the dialect's DBAPI error, wrapped, parameters hidden."""
    dbapi = connection.dialect.loaded_dbapi
    try:
        adapter._handle_exception(error)
    except dbapi.Error as translated:
        return DBAPIError.instance(
            sql,
            None,
            translated,
            dbapi.Error,
            hide_parameters=True,
            dialect=connection.dialect,
            connection_invalidated=connection.dialect.is_disconnect(translated, adapter, None),
        )
    except Exception as other:
        return other
    return error
