"""The library's worker threads: slow steps take them lane by lane, never first come first served.

The steps here are real worker-thread steps that wait to be let go, so the order in which they
start is what the threads' turns decide, whatever the machine's speed.
"""

import asyncio
import gc
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from openbadges import FairThreads, LaneFull, work_lane
from openbadges.offload import MOST_WAITING, SLOW_WORKERS, THREADS, off_the_loop_if, pools


class Steps:
    """Steps that note their start in a worker thread, then wait until they are let go."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self._gates: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._is_over = False

    def _gate(self, name: str) -> threading.Event:
        with self._lock:
            gate = self._gates.setdefault(name, threading.Event())
            if self._is_over:
                gate.set()
            return gate

    def step(self, name: str) -> str:
        gate = self._gate(name)
        with self._lock:
            self.started.append(name)
        if not gate.wait(10):
            raise TimeoutError(name)
        return name

    def start(self, lane: str, name: str) -> "asyncio.Task[str]":
        """`name` sent to the threads as `lane`'s (the task takes the lane with its context)."""
        with work_lane(lane):
            return asyncio.ensure_future(off_the_loop_if(True, self.step, name))

    def let_go(self, *names: str) -> None:
        for name in names:
            self._gate(name).set()

    def let_go_all(self) -> None:
        """Every step, started or still to start (the test is over)."""
        with self._lock:
            self._is_over = True
            gates = list(self._gates.values())
        for gate in gates:
            gate.set()

    async def until_started(self, count: int) -> None:
        for _ in range(2_000):
            if len(self.started) >= count:
                return
            await asyncio.sleep(0.005)
        raise AssertionError(f"only {self.started} started")

    async def still_waiting(self, name: str) -> bool:
        await asyncio.sleep(0.05)  # time enough for a free thread to take it
        return name not in self.started


@contextmanager
def steps() -> Iterator[Steps]:
    made = Steps()
    try:
        yield made
    finally:  # a step left waiting would keep one of the library's threads
        made.let_go_all()


async def test_a_lane_s_queue_does_not_hold_up_another_lane_s_step() -> None:
    with steps() as slow:
        flood = [slow.start("flood", f"a{n}") for n in range(5)]
        await slow.until_started(SLOW_WORKERS)
        other = slow.start("other", "b0")
        assert await slow.still_waiting("b0")  # every thread is busy

        slow.let_go(slow.started[0])
        await slow.until_started(SLOW_WORKERS + 1)

        assert slow.started[SLOW_WORKERS] == "b0"  # not behind a2, a3 and a4
        slow.let_go("b0", *(f"a{n}" for n in range(5)))
        assert await asyncio.gather(*flood, other) == ["a0", "a1", "a2", "a3", "a4", "b0"]
    assert slow.started[SLOW_WORKERS + 1 :] == ["a2", "a3", "a4"]  # a lane's, in order


async def test_the_steps_waiting_for_a_thread_are_counted() -> None:
    with steps() as slow:
        running = [slow.start("lane", f"a{n}") for n in range(SLOW_WORKERS)]
        await slow.until_started(SLOW_WORKERS)
        waiting = [slow.start("lane", "b0"), slow.start("other", "c0")]
        await asyncio.sleep(0)

        assert THREADS.waiting() == 2
        slow.let_go_all()
        await asyncio.gather(*running, *waiting)
        assert THREADS.waiting() == 0


async def test_a_caller_with_a_full_queue_is_refused_and_others_are_not() -> None:
    with steps() as slow:
        running = [slow.start("flood", f"a{n}") for n in range(SLOW_WORKERS)]
        await slow.until_started(SLOW_WORKERS)
        queued = [slow.start("flood", f"q{n}") for n in range(MOST_WAITING)]
        await asyncio.sleep(0)
        assert THREADS.waiting() == MOST_WAITING

        refused = slow.start("flood", "refused")
        other = slow.start("other", "b0")
        unnamed = asyncio.ensure_future(off_the_loop_if(True, slow.step, "unnamed"))
        with pytest.raises(LaneFull, match=f"already has {MOST_WAITING} slow steps waiting"):
            await refused
        assert THREADS.waiting() == MOST_WAITING + 2  # the other caller's, and work no one named

        slow.let_go_all()
        await asyncio.gather(*running, *queued, other, unnamed)
        assert "refused" not in slow.started
        assert await slow.start("flood", "again") == "again"  # room once its queue drained


async def test_an_application_s_pool_keeps_its_own_bound() -> None:
    own = FairThreads(1, "test-bound", most_waiting=1)
    gate = threading.Event()
    with work_lane("caller"):
        running = asyncio.ensure_future(own.run(gate.wait, 10))
        await asyncio.sleep(0.05)
        waiting = asyncio.ensure_future(own.run(len, "ab"))
        await asyncio.sleep(0)
        with pytest.raises(LaneFull) as refused:
            await own.run(len, "abc")
        assert own.waiting() == 1
    assert refused.value.pool == "test-bound"
    assert own in pools()  # what a metrics page reads
    gate.set()
    assert (await running, await waiting) == (True, 2)


async def test_a_cancelled_caller_s_thread_stays_taken_until_its_step_ends() -> None:
    with steps() as slow:
        first = [slow.start("impatient", f"a{n}") for n in range(SLOW_WORKERS)]
        await slow.until_started(SLOW_WORKERS)
        waiting = slow.start("other", "b0")

        first[0].cancel()  # a request that timed out: its step still runs
        assert await slow.still_waiting("b0")

        slow.let_go("a0")
        await slow.until_started(SLOW_WORKERS + 1)
        assert slow.started[-1] == "b0"
        slow.let_go("a1", "b0")
        assert await asyncio.gather(*first[1:], waiting) == ["a1", "b0"]


async def test_a_step_cancelled_while_waiting_takes_no_thread() -> None:
    with steps() as slow:
        running = [slow.start("lane", f"a{n}") for n in range(SLOW_WORKERS)]
        await slow.until_started(SLOW_WORKERS)
        gone = slow.start("lane", "never")
        await asyncio.sleep(0)
        gone.cancel()
        slow.let_go(*(f"a{n}" for n in range(SLOW_WORKERS)))
        await asyncio.gather(*running)

        after = [slow.start("next", f"c{n}") for n in range(SLOW_WORKERS)]
        await slow.until_started(2 * SLOW_WORKERS)  # every thread free again

        assert "never" not in slow.started
        slow.let_go(*(f"c{n}" for n in range(SLOW_WORKERS)))
        await asyncio.gather(*after)


def test_an_event_loop_s_turns_go_with_it() -> None:
    async def one_step() -> None:
        await off_the_loop_if(True, len, "x")

    loop = asyncio.new_event_loop()
    loop.run_until_complete(one_step())
    loop.close()
    gone = weakref.ref(loop)
    del loop
    gc.collect()

    assert gone() is None


async def test_an_application_s_own_threads_are_apart_from_the_library_s() -> None:
    own = FairThreads(1, "test-own")
    with steps() as slow:
        library = [slow.start("lane", f"a{n}") for n in range(SLOW_WORKERS)]
        await slow.until_started(SLOW_WORKERS)  # the library's threads are all taken

        assert await own.run(len, "abc") == 3
        assert own.ran == {"len": 1}
        slow.let_go_all()
        await asyncio.gather(*library)
