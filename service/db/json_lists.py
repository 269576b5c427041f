"""Whether a JSON list column holds a string, asked of the database (for narrowing reads).

The lists (a client's issuers, an endpoint's events) are JSONB on PostgreSQL, whose ``?``
operator answers it, and JSON text on SQLite, whose ``json_each`` does.
"""

from typing import Any

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_list_holds(FunctionElement[bool]):  # noqa: N801 - used like SQLAlchemy's func.*
    """``json_list_holds(column, value)``: the JSON list in `column` has the string `value`."""

    type = Boolean()
    inherit_cache = True
    name = "json_list_holds"


@compiles(json_list_holds, "postgresql")
def _on_postgresql(element: json_list_holds, compiler: SQLCompiler, **kw: Any) -> str:  # noqa: ANN401
    column, value = element.clauses
    return f"({compiler.process(column, **kw)} ? {compiler.process(value, **kw)})"


@compiles(json_list_holds)
def _elsewhere(element: json_list_holds, compiler: SQLCompiler, **kw: Any) -> str:  # noqa: ANN401
    column, value = element.clauses
    listed, wanted = compiler.process(column, **kw), compiler.process(value, **kw)
    # Both are compiled SQL (a column, a bound parameter): no value is spliced in.
    return f"EXISTS (SELECT 1 FROM json_each({listed}) WHERE json_each.value = {wanted})"  # noqa: S608
