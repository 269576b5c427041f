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

Whose flood it is matters too: a caller that sends many slow documents at once must not make
another caller's one slow document wait behind them all. The caller names itself with
`work_lane` (a service: its client, or the address of an anonymous caller); the threads are
handed out lane by lane in turn, each lane's steps in the order they came, so one lane's queue
delays another's next step by at most one step per busy thread. `FairThreads` is that pool:
the library keeps one, and an application may keep its own for its own slow work. A named
caller's queue is bounded too (`MOST_WAITING`): past it, its next step is refused at once
(`LaneFull`) rather than kept waiting, with its request's memory and socket, behind the rest.
"""

import asyncio
import functools
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from contextvars import ContextVar, copy_context
from typing import ParamSpec, TypeVar
from weakref import WeakKeyDictionary, WeakSet

__all__ = [
    "INLINE_BYTES",
    "INLINE_STATEMENTS",
    "MOST_WAITING",
    "SLOW_WORKERS",
    "THREADS",
    "FairThreads",
    "LaneFull",
    "NeedsWorkerThread",
    "leave_the_loop",
    "off_the_loop_if",
    "off_the_loop_if_slow",
    "pools",
    "sent_to_threads",
    "work_lane",
]

P = ParamSpec("P")
T = TypeVar("T")

INLINE_STATEMENTS = 1_000
"""The most RDF statements compiled in the event loop (a badge has 30 to 100): about 5 ms."""

INLINE_BYTES = 64 * 1024
"""The largest text or image read in the event loop: an SVG is parsed at about 80 ms a MB."""

SLOW_WORKERS = 2
"""Threads for slow steps: CPU-bound Python, so more would not go faster under the GIL."""

MOST_WAITING = 16
"""The most steps one named caller may have waiting for a thread; its next one is refused."""

_IN_THE_LOOP: ContextVar[bool] = ContextVar("openbadges_in_the_loop", default=False)
_LANE: ContextVar[Hashable] = ContextVar("openbadges_lane", default=None)


class NeedsWorkerThread(Exception):
    """The step reached work too slow for the event loop."""


class LaneFull(Exception):
    """A caller's queue for `pool`'s threads already holds `most` steps: this one is refused."""

    def __init__(self, most: int, pool: str) -> None:
        super().__init__(f"this caller already has {most} slow steps waiting for a thread")
        self.most = most
        self.pool = pool


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


@contextmanager
def work_lane(caller: Hashable) -> Iterator[None]:
    """The slow steps started in this block are `caller`'s: callers take the threads in turn."""
    token = _LANE.set(caller)
    try:
        yield
    finally:
        _LANE.reset(token)


class FairThreads:
    """Worker threads for slow steps, handed out in turn to the callers (`work_lane`) waiting.

    A free thread goes to the waiting caller with the fewest steps running; a caller's steps
    start in the order they came. A caller named by `work_lane` with `most_waiting` steps
    already waiting has its next one refused (`LaneFull`); work no caller named (start-up,
    background jobs) is never refused. The library has its own (`SLOW_WORKERS` threads, for
    canonicalisation); an application may keep others for its own slow work, apart from the
    event loop's default executor.
    """

    def __init__(self, workers: int, name: str, most_waiting: int = MOST_WAITING) -> None:
        self.name = name
        self.most_waiting = most_waiting
        self.ran: Counter[str] = Counter()
        """How many steps of each kind (by function name) ran in these threads."""
        self._workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._turns: WeakKeyDictionary[asyncio.AbstractEventLoop, _Turns] = WeakKeyDictionary()
        _POOLS.add(self)

    async def run(self, step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`step`'s result, from one of the threads, in the caller's turn (with its context).

        Raises `LaneFull`, before anything runs, when the caller's queue is full.
        """
        loop = asyncio.get_running_loop()
        turns = self._turns.get(loop) or self._turns.setdefault(loop, _Turns(self._workers))
        lane = _LANE.get()
        if lane is not None and turns.waiting_in(lane) >= self.most_waiting:
            raise LaneFull(self.most_waiting, self.name)
        await turns.claim(lane)
        self.ran[getattr(step, "__qualname__", repr(step))] += 1
        try:
            call = functools.partial(step, *args, **kwargs)
            running = self._pool.submit(copy_context().run, call)
        except BaseException:
            turns.end(lane)
            raise
        running.add_done_callback(functools.partial(_ended, loop, turns, lane))
        return await asyncio.wrap_future(running)

    def waiting(self) -> int:
        """How many steps wait for a thread now, in the running event loop."""
        turns = self._turns.get(asyncio.get_running_loop())
        return turns.waiting() if turns else 0


_POOLS: "WeakSet[FairThreads]" = WeakSet()


def pools() -> list[FairThreads]:
    """Every pool of this process (the library's, an application's), by name: for metrics."""
    return sorted(_POOLS, key=lambda pool: pool.name)


class _Turns:
    """An event loop's claims on a `FairThreads`' threads: so many at once, handed out by lane.

    A free thread goes to the waiting lane with the fewest steps running, the longest waiting
    first among equals; a lane's steps start in the order they came. A claim ends when its
    step ends, not when the task awaiting it is cancelled (a request that timed out): the
    thread is busy until then.
    """

    def __init__(self, workers: int) -> None:  # no reference to its loop: its entry would stay
        self._free = workers
        self._running: Counter[Hashable] = Counter()
        self._waiting: dict[Hashable, deque[asyncio.Future[None]]] = {}  # longest waiting first

    async def claim(self, lane: Hashable) -> None:
        if self._free and not self._waiting:
            self._take(lane)
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(lane, deque()).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.end(lane)  # given a thread as it was cancelled: it goes to the next
            else:
                self._forget(lane, turn)
            raise

    def end(self, lane: Hashable) -> None:
        """One of `lane`'s steps ended: its thread goes to the next lane in turn, or is free."""
        self._running[lane] -= 1
        if not self._running[lane]:
            del self._running[lane]
        self._free += 1
        while self._free and self._waiting:
            next_lane = min(self._waiting, key=self._running.__getitem__)
            queue = self._waiting.pop(next_lane)
            turn = queue.popleft()
            if queue:
                self._waiting[next_lane] = queue  # behind the other waiting lanes
            if not turn.done():  # not cancelled while it waited
                turn.set_result(None)
                self._take(next_lane)

    def waiting(self) -> int:
        return sum(len(queue) for queue in self._waiting.values())

    def waiting_in(self, lane: Hashable) -> int:
        queue = self._waiting.get(lane)
        return len(queue) if queue else 0

    def _take(self, lane: Hashable) -> None:
        self._free -= 1
        self._running[lane] += 1

    def _forget(self, lane: Hashable, turn: asyncio.Future[None]) -> None:
        queue = self._waiting.get(lane)
        if queue is not None and turn in queue:
            queue.remove(turn)
            if not queue:
                del self._waiting[lane]


def _ended(
    loop: asyncio.AbstractEventLoop, turns: _Turns, lane: Hashable, _: Future[object]
) -> None:
    """In the worker thread, once the step ended: its claim ends in the loop."""
    with suppress(RuntimeError):  # the loop closed meanwhile: its claims went with it
        loop.call_soon_threadsafe(turns.end, lane)


THREADS = FairThreads(SLOW_WORKERS, "openbadges-slow")
"""The library's own threads, for its slow steps."""

sent_to_threads = THREADS.ran
"""How many steps of each kind (by function name) ran in the library's threads."""


async def _in_a_worker_thread(step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`asyncio.to_thread` on the library's own threads, in the caller's turn."""
    return await THREADS.run(step, *args, **kwargs)
