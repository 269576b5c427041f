"""What tests see of the worker threads: the functions sent to the default executor, and the
steps the library sent to its own threads."""

import asyncio
import functools
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from openbadges import offload


class _NamingPool(ThreadPoolExecutor):
    """A default executor that notes the name of each function it is given to run."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.names: list[str] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        # asyncio.to_thread submits partial(context.run, function, …): the function's name
        runs = fn.args[:1] if isinstance(fn, functools.partial) else (fn,)
        self.names += [getattr(f, "__qualname__", repr(f)) for f in runs]
        return super().submit(fn, *args, **kwargs)


@asynccontextmanager
async def worker_threads() -> AsyncIterator[list[str]]:
    """The names of the functions sent meanwhile to the default executor (`asyncio.to_thread`,
    `run_in_executor(None, …)`)."""
    loop, pool = asyncio.get_running_loop(), _NamingPool()
    loop.set_default_executor(pool)
    try:
        yield pool.names
    finally:
        loop.set_default_executor(ThreadPoolExecutor())
        pool.shutdown()


@contextmanager
def slow_steps() -> Iterator[Counter[str]]:
    """The steps `openbadges.offload` sent meanwhile to its worker threads, counted by name
    (filled when the block ends)."""
    before = offload.sent_to_threads.copy()
    sent: Counter[str] = Counter()
    try:
        yield sent
    finally:
        sent.update(offload.sent_to_threads - before)
