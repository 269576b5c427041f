"""The database out of reach: its connection lost, refused, or none free in time.

These are the deployment's moments (a PostgreSQL restart or failover, a pool drained by a
burst), not the request's fault: the caller is told to retry (503, ``Retry-After``) and the
log gets one warning line instead of an error's traceback. The pool has already dropped a
lost connection (SQLAlchemy invalidates it), so the retry gets a fresh one.
"""

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

RETRY_AFTER = 1  # seconds: a restarted server or a drained pool is back about as soon


def is_outage(error: BaseException) -> bool:
    """The database could not be reached, not a statement it refused."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated
    return isinstance(error, (PoolTimeout, ConnectionError))
