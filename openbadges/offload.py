"""Canonicalisation through a JSON-LD processor runs in a worker thread, out of the event loop.

A document of the shapes the compiled path knows (every credential Insigne issues, and many
others built on the bundled contexts) canonicalises in a fraction of a millisecond: a thread
hop would cost more than the work. Any other document goes through pyoxigraph's JSON-LD
parser, and perhaps pyld: its expansion (about 0.2 ms an object, up to `MAX_FALLBACK_OBJECTS`)
and its metered canonicalisation (up to `canonical_limits.MAX_SECONDS` of CPU for a poisoned
dataset). In the event loop, that would stall every other request of the process, whoever
sent it. `off_the_loop_unless_compiled` runs a synchronous step with the compiled path alone
allowed; when the step needs the general path, it runs the step again in a worker thread.
"""

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

__all__ = ["NeedsWorkerThread", "general_path_allowed", "off_the_loop_unless_compiled"]

P = ParamSpec("P")
T = TypeVar("T")

_COMPILED_ONLY: ContextVar[bool] = ContextVar("openbadges_compiled_only", default=False)


class NeedsWorkerThread(Exception):
    """The step needs the general path, which is not run in the event loop."""


def general_path_allowed() -> None:
    """Called where the general path starts; raises `NeedsWorkerThread` in a compiled-only step."""
    if _COMPILED_ONLY.get():
        raise NeedsWorkerThread


async def off_the_loop_unless_compiled(
    step: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """`step`'s result: in this thread on the compiled path, else from a worker thread.

    The step is run again from its start in the thread, so it must be free of side effects
    up to its canonicalisation (the proof checks and `canonicalize` are).
    """
    token = _COMPILED_ONLY.set(True)
    try:
        return step(*args, **kwargs)
    except NeedsWorkerThread:
        pass
    finally:
        _COMPILED_ONLY.reset(token)
    return await asyncio.to_thread(step, *args, **kwargs)
