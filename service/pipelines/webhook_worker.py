"""The webhook worker: claims due deliveries, sends them signed, records what happened.

Run by ``insigne worker`` and, for the embedded set-up, inside the app process (setting
``webhook_worker``). It keeps up to `CONCURRENCY` attempts going: whenever one ends it
claims more, fairly across endpoints (`Outbox.claim`: a few in flight per endpoint, endpoints
in turn), so a slow receiver holds its own slots and nobody else's, and there is no round
that waits for its slowest send. Each claim and each result is a short write unit; a send
runs with no transaction open, through the safe outbound client (HTTPS, public addresses,
except the hosts allowed plain HTTP), within a total deadline. Signatures follow the Standard
Webhooks specification (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``:
HMAC-SHA256 over ``id.timestamp.body``).
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from standardwebhooks import Webhook

from service.domain.clients.outbox import Claimed, Outcome
from service.outbound import DEADLINE, FetchError
from service.runtime import Runtime

log = logging.getLogger(__name__)

BATCH = 20
CONCURRENCY = 8
LEASE = timedelta(seconds=60)  # longer than a send can take (its deadline)


class WebhookWorker:
    def __init__(
        self,
        runtime: Runtime,
        *,
        batch: int = BATCH,
        lease: timedelta = LEASE,
        concurrency: int = CONCURRENCY,
        deadline: float = DEADLINE,
    ) -> None:
        self._runtime = runtime
        self._batch = batch
        self._lease = lease
        self._concurrency = concurrency
        self._deadline = deadline
        self._last_endpoint: uuid.UUID | None = None  # where the next claim's turn starts
        # a database that serves one unit at a time (tests' shared connection) takes turns
        self._units = asyncio.Semaphore(runtime.database.max_parallel_units or concurrency)

    async def run_once(self) -> int:
        """Claim up to `batch` deliveries, send them and record each; how many were tried."""
        claimed = await self._claim(self._batch)
        await asyncio.gather(*(self._attempt(delivery) for delivery in claimed))
        return len(claimed)

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Keep up to `concurrency` attempts going until `stop` is set; then let them end."""
        sending: set[asyncio.Task[None]] = set()
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                claimed = await self._claim_safely(self._concurrency - len(sending))
                sending.update(asyncio.create_task(self._attempt(d)) for d in claimed)
                if claimed and len(sending) < self._concurrency:
                    continue  # more may be due at once
                # until an attempt ends (a slot frees), `stop`, or a while for new events
                await asyncio.wait(
                    {*sending, stopping}, timeout=idle_seconds, return_when="FIRST_COMPLETED"
                )
                sending = {task for task in sending if not task.done()}
        finally:
            stopping.cancel()
            if sending:
                await asyncio.wait(sending)

    async def _claim_safely(self, limit: int) -> list[Claimed]:
        if limit <= 0:
            return []
        try:
            return await self._claim(limit)
        except Exception:  # a database blip must not end the worker; it retries
            log.exception("webhook claim failed")
            return []

    async def _claim(self, limit: int) -> list[Claimed]:
        async with self._units, self._runtime.write() as services:
            claimed = await services.outbox.claim(limit, self._lease, after=self._last_endpoint)
        if claimed:  # in turn order: an endpoint's first delivery comes in the first turn
            self._last_endpoint = list(dict.fromkeys(d.endpoint_id for d in claimed))[-1]
        return claimed

    async def _attempt(self, delivery: Claimed) -> None:
        """Send, then record in a unit of its own (a failure leaves the lease to run out)."""
        try:
            outcome = await self._send(delivery)
            log.info(
                "webhook %s to endpoint %s: %s",
                delivery.message_id,
                delivery.endpoint_id,
                outcome.status_code or outcome.error,
            )
            async with self._units, self._runtime.write() as services:
                await services.outbox.record(delivery, outcome)
        except Exception:  # the lease runs out and the delivery is tried again
            log.exception("webhook %s: the attempt could not be completed", delivery.message_id)

    async def _send(self, delivery: Claimed) -> Outcome:
        now = self._runtime.clock()
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(delivery.secret).sign(
                delivery.message_id, now, delivery.body
            ),
        }
        started = time.monotonic()
        try:
            status = await self._runtime.fetcher.post(
                delivery.url, delivery.body.encode(), headers, deadline=self._deadline
            )
        except FetchError as error:
            return Outcome(None, str(error), _elapsed(started))
        return Outcome(status, None, _elapsed(started))


@asynccontextmanager
async def in_process_worker(runtime: Runtime) -> AsyncIterator[None]:
    """A worker beside the app while the block runs, when the settings ask for one."""
    if not runtime.settings.webhook_worker:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(WebhookWorker(runtime).run(stop))
    try:
        yield
    finally:
        stop.set()
        with suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, DEADLINE + 5)


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
