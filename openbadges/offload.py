"""Slow canonicalisation runs in a worker thread, out of the event loop.

A badge of the shapes the compiled path knows (every credential Insigne issues, and many
others built on the bundled contexts) canonicalises in a fraction of a millisecond: a thread
hop would cost more than the work. Two kinds of document take far longer:

* one the compiled path does not know goes through pyoxigraph's JSON-LD parser, and perhaps
  pyld: its expansion (about 0.2 ms an object, up to `MAX_FALLBACK_OBJECTS`) and its metered
  canonicalisation (up to `canonical_limits.MAX_SECONDS` of CPU for a poisoned dataset);
* a large one, such as a record of many badges (about 5 µs a statement, compiled).

In the event loop, either would stall every other request of the process, whoever sent it.
`off_the_loop_if_slow` runs a synchronous step in the caller's thread until the step reaches
such work (`leave_the_loop`), then runs it again, from its start, in a worker thread.

The worker threads are the library's own (`SLOW_WORKERS` of them), not the event loop's
default executor: a flood of slow documents queues behind itself, and leaves the default
executor's threads, and most of the GIL, to the process's other work.
"""

import asyncio
import functools
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar, copy_context
from typing import ParamSpec, TypeVar

__all__ = [
    "INLINE_BYTES",
    "INLINE_STATEMENTS",
    "SLOW_WORKERS",
    "NeedsWorkerThread",
    "leave_the_loop",
    "off_the_loop_if",
    "off_the_loop_if_slow",
    "sent_to_threads",
]

P = ParamSpec("P")
T = TypeVar("T")

INLINE_STATEMENTS = 1_000
"""The most RDF statements compiled in the event loop (a badge has 30 to 100): about 5 ms."""

INLINE_BYTES = 64 * 1024
"""The largest text or image read in the event loop: an SVG is parsed at about 80 ms a MB."""

SLOW_WORKERS = 2
"""Threads for slow steps: CPU-bound Python, so more would not go faster under the GIL."""

sent_to_threads: Counter[str] = Counter()
"""How many steps of each kind (by function name) ran in the worker threads."""

_IN_THE_LOOP: ContextVar[bool] = ContextVar("openbadges_in_the_loop", default=False)
_WORKERS = ThreadPoolExecutor(max_workers=SLOW_WORKERS, thread_name_prefix="openbadges-slow")


class NeedsWorkerThread(Exception):
    """The step reached work too slow for the event loop."""


def leave_the_loop() -> None:
    """Called where slow work starts; raises `NeedsWorkerThread` in the event loop's try."""
    if _IN_THE_LOOP.get():
        raise NeedsWorkerThread


async def off_the_loop_if_slow(step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`step`'s result: computed in this thread when quick, else in a worker thread.

    The step is run again from its start in the thread, so it must be free of side effects
    up to its canonicalisation (the proof checks and `canonicalize` are).
    """
    token = _IN_THE_LOOP.set(True)
    try:
        return step(*args, **kwargs)
    except NeedsWorkerThread:
        pass
    finally:
        _IN_THE_LOOP.reset(token)
    return await _in_a_worker_thread(step, *args, **kwargs)


async def off_the_loop_if(
    is_slow: bool,
    step: Callable[P, T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`step`'s result, from a worker thread when the caller knows it is slow beforehand."""
    if is_slow:
        return await _in_a_worker_thread(step, *args, **kwargs)
    return step(*args, **kwargs)


async def _in_a_worker_thread(step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`asyncio.to_thread` on the library's own threads (the context goes along)."""
    sent_to_threads[getattr(step, "__qualname__", repr(step))] += 1
    call = functools.partial(copy_context().run, step, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_WORKERS, call)
