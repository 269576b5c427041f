"""Logs: structured lines, a request id in each, and nothing personal or secret in any.

* `logging_dict(settings)` is the one logging configuration: JSON lines
  (``INSIGNE_LOG_FORMAT=json``, for production) or text; the CLI applies it and hands it to
  uvicorn, whose own access log is replaced by ours.
* `RequestLog` wraps the ASGI app: it takes a well-formed incoming ``X-Request-ID`` or makes
  one, returns it in the response header, puts it in every log line of the request (a
  context variable) and writes one access line per request with the path and the *names* of
  the query parameters, never their values (``?email=…`` is a learner's address).
* `install_safety_net()` (called by `create_app`) redacts e-mail addresses, bearer and basic
  credentials, JWTs, ``secret=…``-style pairs, capability links' tokens, a database error's
  row and key values and long random strings from every record's message, arguments and
  traceback when the record is made, whatever handler then writes it, and drops the DEBUG
  records in which SQLAlchemy and aiosqlite dump rows and parameters.
  Reflection text cannot be recognised by a pattern: no code logs a request or response body.
"""

import json
import logging
import logging.config
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, MutableMapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from service.settings import Settings

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = ContextVar[str | None]("insigne_request_id", default=None)
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
ACCESS_LOGGER = "service.access"

# Names whose value is a secret, as in ``client_secret=…`` or ``"accessToken": …``.
_SENSITIVE_NAMES = (
    r"client_?secret|secret|password|passwd|access_?token|refresh_?token|token"
    r"|api_?key|private_?key|authorization"
)
_SENSITIVE_NAME = re.compile(rf"(?i)(?:{_SENSITIVE_NAMES})$")
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[\w.~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"\beyJ[\w-]*\.[\w-]*\.[\w-]*"), "[jwt]"),
    (
        re.compile(rf"(?i)((?:{_SENSITIVE_NAMES})[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,;}}]+"),
        r"\1[redacted]",
    ),
    (re.compile(r"[\w.+%-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # A capability link (an earner's management link, a wallet offer's exchange): whoever
    # holds its token, whatever its letters, holds the badge.
    (
        re.compile(r"(?i)(/manage/|/wallet/(?:interactions|exchanges|offers)/)[^/?#\s\"']+"),
        r"\1[token]",
    ),
    # A long random string (a client secret, a key): mixed case and digits, 32 characters or
    # more; ids (UUIDs, hex digests) are lower-case and stay readable.
    (re.compile(r"(?<![\w-])(?=[\w-]*[a-z])(?=[\w-]*[A-Z])(?=[\w-]*\d)[\w-]{32,}"), "[secret]"),
)
_ROW_DUMPING_LOGGERS = ("sqlalchemy.engine.Engine", "aiosqlite")
# PostgreSQL's DETAIL repeats a failing row (a reflection, a name) or a clashing key's value,
# and asyncpg puts it in the exception's text. Tracebacks hide both; their text comes from
# errors, not straight from requests, and atomic groups and bounds (the schema's keys are
# far shorter) keep each match from backtracking.
_DATABASE_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"(?s)(DETAIL:\s+Failing row contains )(?>.*?(?=\n\[SQL: |\n\(Background on "
            r"this error|\n\nThe above exception|\n\nDuring handling of the above|\Z))"
        ),
        r"\1[hidden]",
    ),
    (
        re.compile(
            r"(DETAIL:\s+Key \((?>[^\n]{0,500}?\)=\())(?>[^\n]{0,2000}?(?=\) (?:already "
            r"exists|is not present in table|conflicts with existing key)))"
        ),
        r"\1[hidden]",
    ),
)


# What the redactions above need to find: a scheme, a JWT, an "@", a "name=" or "name:" (a
# database's DETAIL too), a capability link, or a run of 32 word characters with a capital.
# Most lines (an access line, its path with a UUID, an ordinary message) have none of these,
# and skip the passes.
_MAY_NEED_REDACTION = re.compile(r"(?i)bearer|basic|eyJ|@|%40|[=:]|/manage/|/wallet/")
_LONG_RUN = re.compile(r"[\w-]{32,}")


def redact(text: str) -> str:
    """`text` without e-mail addresses, credentials, JWTs or long random strings."""
    if not _MAY_NEED_REDACTION.search(text) and all(
        run == run.lower() for run in _LONG_RUN.findall(text)
    ):
        return text
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


# Control characters and line separators: in an address, they could forge log lines.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """Request-given `text` (a path) with control characters as escapes: it stays one line."""
    return _UNPRINTABLE.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


def redact_traceback(text: str) -> str:
    """A traceback redacted as `redact` does, and without a database error's row or key values."""
    if "DETAIL:" in text:
        for pattern, replacement in _DATABASE_DETAILS:
            text = pattern.sub(replacement, text)
    return redact(text)


def _safe_record_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., Any]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:  # noqa: ANN401
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: keep what can be shown
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact_traceback(
                "".join(traceback.format_exception(*record.exc_info))
            )
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact_traceback(record.stack_info)
        record.request_id = _REQUEST_ID.get()
        return record

    make.insigne_safe = True  # type: ignore[attr-defined]
    return make


class _DropDebug(logging.Filter):
    """Drops the records below INFO of a logger that dumps rows and parameters at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def install_safety_net() -> None:
    """Redact every log record when it is made; idempotent (each app calls it)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "insigne_safe", False):
        logging.setLogRecordFactory(_safe_record_factory(factory))
    for name in _ROW_DUMPING_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropDebug) for f in logger.filters):
            logger.addFilter(_DropDebug())


_STANDARD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields.

    Each value that can carry data (the message, the request id, extra fields, a traceback)
    is redacted on its own: the whole line would always take every pass, as its quotes
    and colons look like ``name: value`` pairs (an access line: 87 µs against 23).
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if getattr(record, "request_id", None):
            line["requestId"] = redact(str(getattr(record, "request_id", None)))
        line.update(
            _redacted_pair(key, value)
            for key, value in vars(record).items()
            if key not in _STANDARD_FIELDS and key != "request_id"
        )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = redact_traceback(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


def _redacted_pair(key: object, value: object) -> tuple[str, object]:
    """An extra field, or a member of one: a secret's name hides its value whole."""
    name = redact(str(key))
    return name, "[redacted]" if _SENSITIVE_NAME.search(name) else _redacted(value)


def _redacted(value: object) -> object:
    """An extra field's value, its text redacted; numbers and flags as they are."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return dict(_redacted_pair(key, item) for key, item in value.items())
    return redact(str(value))


class TextFormatter(logging.Formatter):
    """Readable lines for development, with the request id when there is one.

    What follows the time, level and logger name (which code chooses) is redacted, not the
    whole line: the time's colons would send every line through every pass.
    """

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.rid = f" [{redact(str(request_id))}]" if request_id else ""
        if record.exc_text:  # set without the safety net's factory
            record.exc_text = redact_traceback(record.exc_text)
        head, separator, rest = super().format(record).partition(": ")
        return head + separator + redact(rest)

    def formatException(self, ei: Any) -> str:  # noqa: ANN401, N802 - logging's
        return redact_traceback(super().formatException(ei))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes, not when it was configured.

    A command line run in process (the tests do) swaps ``sys.stderr`` while it runs; a
    handler holding the stream it started with would write to a closed buffer afterwards.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:  # noqa: ANN401 - a text stream, typed Any by logging
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def logging_dict(settings: Settings) -> dict[str, Any]:
    """The `logging.config.dictConfig` configuration for the CLI and uvicorn."""
    formatter = JsonFormatter if settings.log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"insigne": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": f"{StderrHandler.__module__}.{StderrHandler.__qualname__}",
                "formatter": "insigne",
            }
        },
        "root": {"level": settings.log_level, "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"level": settings.log_level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": settings.log_level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            # Alembic logs each of its plugins at INFO whenever a command reads the migrations.
            "alembic.runtime.plugins": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def configure_logging(settings: Settings) -> None:
    """Apply `logging_dict` to this process, with the safety net."""
    logging.config.dictConfig(logging_dict(settings))
    install_safety_net()


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Any], Callable[[Message], Any]], Any]


class RequestLog:
    """ASGI wrapper: request id in and out, and one access line per HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._log = logging.getLogger(ACCESS_LOGGER)

    async def __call__(
        self, scope: Scope, receive: Callable[[], Any], send: Callable[[Message], Any]
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        token = _REQUEST_ID.set(request_id)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                message["headers"] = [*headers, (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._access(scope, status, time.perf_counter() - started)
            _REQUEST_ID.reset(token)

    def _access(self, scope: Scope, status: int, seconds: float) -> None:
        query = one_line(scope.get("query_string", b"").decode("latin-1"))
        names = sorted({part.partition("=")[0][:40] for part in query.split("&") if part})[:20]
        path = one_line(str(scope.get("path", "-")))  # decoded: %0A is a newline
        self._log.info(
            "%s %s%s %d",
            scope.get("method", "-"),
            path,
            f"?{'&'.join(names)}" if names else "",
            status,
            extra={
                "method": scope.get("method"),
                "path": redact(path),  # extra fields skip the factory
                "queryKeys": [redact(name) for name in names],
                "status": status,
                "durationMs": round(seconds * 1000, 1),
            },
        )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _WELL_FORMED_ID.fullmatch(candidate) else None
    return None
