"""The webhook worker: claims due deliveries, sends them signed, records what happened.

Run by ``insigne worker`` and, for the embedded set-up, inside the app process (setting
``webhook_worker``). Each round claims in one short write unit, sends with no transaction
open (through the safe outbound client: HTTPS, public addresses, except the hosts allowed
plain HTTP), then records the round's results in one more short write unit. Signatures follow
the Standard Webhooks specification (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``: HMAC-SHA256 over ``id.timestamp.body``).
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from standardwebhooks import Webhook

from service.domain.outbox import Claimed, Outcome
from service.outbound import FetchError
from service.runtime import Runtime

log = logging.getLogger(__name__)

BATCH = 20
LEASE = timedelta(seconds=60)  # longer than a send can take (timeouts: 3 s + 5 s)
CONCURRENCY = 8


class WebhookWorker:
    def __init__(self, runtime: Runtime, *, batch: int = BATCH, lease: timedelta = LEASE) -> None:
        self._runtime = runtime
        self._batch = batch
        self._lease = lease
        self._limit = asyncio.Semaphore(CONCURRENCY)

    async def run_once(self) -> int:
        """One round: claim, send, record; returns how many deliveries were tried."""
        async with self._runtime.write() as services:
            claimed = await services.outbox.claim(self._batch, self._lease)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._deliver(delivery) for delivery in claimed))
        async with self._runtime.write() as services:
            for delivery, outcome in zip(claimed, outcomes, strict=True):
                await services.outbox.record(delivery, outcome)
        return len(claimed)

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Rounds until `stop` is set, pausing when nothing is due."""
        while not stop.is_set():
            try:
                tried = await self.run_once()
            except Exception:  # a database blip must not end the worker; it retries
                log.exception("webhook round failed")
                tried = 0
            if tried == 0:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)

    async def _deliver(self, delivery: Claimed) -> Outcome:
        async with self._limit:
            outcome = await self._send(delivery)
        log.info(
            "webhook %s to endpoint %s: %s",
            delivery.message_id,
            delivery.endpoint_id,
            outcome.status_code or outcome.error,
        )
        return outcome

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
            status = await self._runtime.fetcher.post(delivery.url, delivery.body.encode(), headers)
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
        with suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
