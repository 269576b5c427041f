"""Each request's slow steps take the threads in turn by the caller's address (`CallerLanes`).

The route here is one slow step that waits to be let go, on a pool of one thread: the order in
which the steps start is what the turns decide.
"""

import asyncio
from collections.abc import Callable
from typing import cast

import pytest
from litestar.types import Message, Receive, ReceiveMessage, Scope, Send

from openbadges import FairThreads
from service.api.lanes import CallerLanes
from service.limits import TrustedProxies
from tests.openbadges.test_offload import steps

PROXY = "127.0.0.1"


async def _receive() -> ReceiveMessage:
    return {"type": "http.disconnect"}


async def _send(message: Message) -> None:
    del message


Request = Callable[[str, str, str], "asyncio.Task[None]"]


def _requests(lanes: CallerLanes, pool: FairThreads, step: Callable[[str], str]) -> Request:
    """A request from `peer` with `X-Forwarded-For`, whose route is one step named `name`."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        await pool.run(step, scope["path"])

    def send(peer: str, forwarded_for: str, name: str) -> "asyncio.Task[None]":
        scope = {
            "type": "http",
            "path": name,
            "client": (peer, 50_000),
            "headers": [(b"x-forwarded-for", forwarded_for.encode())],
        }
        return asyncio.ensure_future(lanes.handle(cast("Scope", scope), _receive, _send, route))

    return send


@pytest.mark.no_sql
@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        # Behind a trusted proxy, X-Forwarded-For names the callers: B's request is not last.
        ({PROXY}, ["a1", "a2", "b1", "a3"]),
        # From anyone else the header is ignored: one caller, its requests in order.
        (set(), ["a1", "a2", "a3", "b1"]),
    ],
)
async def test_a_caller_s_queue_does_not_hold_up_another_address(
    trusted: set[str], expected: list[str]
) -> None:
    pool = FairThreads(1, "test-lanes")
    with steps() as slow:
        send = _requests(CallerLanes(TrustedProxies(trusted)), pool, slow.step)
        first = send(PROXY, "203.0.113.1", "a1")
        await slow.until_started(1)
        waiting = [send(PROXY, "203.0.113.1", "a2"), send(PROXY, "203.0.113.1", "a3")]
        await asyncio.sleep(0.01)
        waiting.append(send(PROXY, "203.0.113.2", "b1"))
        await asyncio.sleep(0.01)

        for count in range(1, 4):
            slow.let_go(slow.started[-1])
            await slow.until_started(count + 1)
        slow.let_go_all()
        await asyncio.gather(first, *waiting)

    assert slow.started == expected
