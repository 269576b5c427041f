"""A text column read as its UTF-8 bytes, for texts that are only ever passed on whole.

A signed document is stored as text and sent on byte for byte. Read as ``str``, the driver
decodes it from UTF-8 and the JSON encoder encodes it back (French text is not ASCII, so
both are real work: about 5% of a 100-credential portfolio's CPU); read as bytes, neither
happens. PostgreSQL's ``convert_to(text, 'UTF8')`` gives the stored bytes of a UTF-8
database as ``bytea`` (a cast to ``bytea`` would read backslashes as escapes); SQLite's
``CAST(… AS BLOB)`` gives its stored UTF-8 as is.
"""

from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class utf8_bytes(FunctionElement[bytes]):  # noqa: N801 - used as a SQL function
    """``utf8_bytes(column)``: the text's UTF-8 bytes, read as ``bytes``."""

    type = LargeBinary()
    inherit_cache = True


@compiles(utf8_bytes, "postgresql")
def _convert_to(element: utf8_bytes, compiler: SQLCompiler, **kw: Any) -> str:  # noqa: ANN401
    return f"convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')"


@compiles(utf8_bytes)
def _cast_to_blob(element: utf8_bytes, compiler: SQLCompiler, **kw: Any) -> str:  # noqa: ANN401
    return f"CAST({compiler.process(element.clauses, **kw)} AS BLOB)"
