"""The per-request GraphQL context: the caller, the runtime and the request's batch loaders.

graphql-core resolves sibling fields concurrently, and an AsyncSession must never be used by
two tasks at once, so no session is shared: every loader batch (and every root lookup)
opens a read unit of its own. A per-request semaphore bounds how many such units one request
holds at once (a database on a single connection, as in tests, serves one at a time).
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.types import Scope
from strawberry.litestar import BaseContext

from service.domain.catalogue.achievements import Achievement
from service.domain.clients.clients import Principal
from service.domain.issuers.issuers import IssuerProfile
from service.domain.portfolios.portfolios import PortfolioService
from service.runtime import Runtime, Services
from service.settings import GraphQLSettings
from service.throttling import caller_address, count_caller

K = TypeVar("K")
V = TypeVar("V")


class Reader:
    """Opens the request's read units, a bounded number at a time."""

    def __init__(self, runtime: Runtime, principal: Principal | None) -> None:
        self.runtime = runtime
        self.principal = principal
        limit = runtime.settings.graphql.parallel_units
        shared = runtime.database.max_parallel_units
        self._gate = asyncio.Semaphore(min(limit, shared) if shared else limit)

    @asynccontextmanager
    async def services(self) -> AsyncIterator[Services]:
        async with self._gate, self.runtime.read(self.principal) as services:
            yield services

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """A place among the request's units, for work that opens units of its own."""
        async with self._gate:
            yield

    @asynccontextmanager
    async def portfolios(self) -> AsyncIterator[PortfolioService]:
        """A unit with the portfolio reads only (a loader batch's: many per request)."""
        async with self._gate, self.runtime.portfolios(self.principal) as portfolios:
            yield portfolios


class BatchLoader(Generic[K, V]):
    """The keys asked for in one turn of the event loop, read in one batch, kept per request.

    Strawberry's DataLoader does the same with a future for every key: a page of 100 badges
    cost some 500 callbacks of the event loop to hand the values back. Here a `load_many`
    waits for the batches that hold its keys, usually one. A batch that fails fails every
    call waiting for it; a caller cancelled while it waits leaves the batch to the others.
    """

    def __init__(self, read: Callable[[list[K]], Awaitable[list[V]]]) -> None:
        self._read = read
        self._found: dict[K, V] = {}
        self._coming: dict[K, asyncio.Future[None]] = {}  # keys whose batch is not read yet
        self._next: list[K] = []  # the batch being gathered, read at the next turn
        self._next_read: asyncio.Future[None] | None = None
        self._reading: set[asyncio.Task[None]] = set()

    async def load(self, key: K) -> V:
        return (await self.load_many([key]))[0]

    async def load_many(self, keys: Sequence[K]) -> list[V]:
        batches: set[asyncio.Future[None]] = set()
        for key in keys:
            if key in self._found:
                continue
            batch = self._coming.get(key)
            if batch is None:
                batch = self._coming[key] = self._gathering()
                self._next.append(key)
            batches.add(batch)
        for batch in batches:
            await asyncio.shield(batch)
        return [self._found[key] for key in keys]

    def prime_many(self, values: Mapping[K, V]) -> None:
        """Values read elsewhere, kept as if read here (a key already kept keeps its value)."""
        for key, value in values.items():
            self._found.setdefault(key, value)

    def clear(self) -> None:
        """Let go of every value read (batches still being read keep theirs until done)."""
        self._found.clear()

    def _gathering(self) -> "asyncio.Future[None]":
        if self._next_read is None:
            loop = asyncio.get_running_loop()
            self._next_read = loop.create_future()
            loop.call_soon(self._dispatch)
        return self._next_read

    def _dispatch(self) -> None:
        keys, read = self._next, self._next_read
        self._next, self._next_read = [], None
        if read is None:  # pragma: no cover - a dispatch is scheduled with its batch
            return
        task = asyncio.ensure_future(self._read_batch(keys, read))
        self._reading.add(task)
        task.add_done_callback(self._reading.discard)

    async def _read_batch(self, keys: list[K], read: "asyncio.Future[None]") -> None:
        try:
            found = dict(zip(keys, await self._read(keys), strict=True))
        except Exception as error:  # every call waiting for the batch fails with it
            read.set_exception(error)
            read.exception()  # retrieved here: the callers waiting, if any, raise it
            return
        except BaseException:
            read.cancel()
            raise
        else:
            self._found.update(found)
            read.set_result(None)
        finally:  # read or not, a later call finds them kept, or reads them again
            for key in keys:
                self._coming.pop(key, None)


class Loaders:
    """One loader per relation, per request (their values never outlive it)."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self.signed_forms = self._loader(lambda p, ids: p.signed_forms(ids))
        self.evidence = self._loader(lambda p, ids: p.evidence(ids), default=list)
        self.achievements: BatchLoader[uuid.UUID, Achievement | None] = self._loader(_achievements)
        self.issuers: BatchLoader[uuid.UUID, IssuerProfile | None] = self._loader(_issuers)

    def _loader(
        self,
        batch: Callable[[PortfolioService, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, V]]],
        default: Callable[[], V] | None = None,
    ) -> BatchLoader[uuid.UUID, V | None]:
        reader = self._reader  # not self: a loader holding its Loaders would be a cycle

        async def load(keys: list[uuid.UUID]) -> list[V | None]:
            async with reader.portfolios() as portfolios:
                found = await batch(portfolios, keys)
            return [found.get(key, default() if default else None) for key in keys]

        return BatchLoader(load)


async def _achievements(
    portfolios: PortfolioService, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Achievement]:
    return {a.id: a for a in await portfolios.achievements_by_id(ids)}


async def _issuers(
    portfolios: PortfolioService, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, IssuerProfile]:
    return {i.id: i for i in await portfolios.issuers(ids)}


class Context(BaseContext, kw_only=True):
    reader: Reader
    loaders: Loaders
    address: str  # the caller's, as the rate limits know it

    @property
    def principal(self) -> Principal | None:
        return self.reader.principal

    @property
    def settings(self) -> GraphQLSettings:
        return self.reader.runtime.settings.graphql


async def get_context(
    scope: Scope,
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[Principal | None],
) -> Context:
    """The Litestar dependency that builds the context (the caller from its bearer token).

    Each operation counts against the caller's limit, as a REST request does (per client with
    a token, else per address): over it, the answer is a 429 problem with ``Retry-After``.
    """
    address = caller_address(ASGIConnection(scope), runtime)
    await count_caller(runtime, "graphql", "too-many-graphql", principal, address)
    reader = Reader(runtime, principal)
    return Context(reader=reader, loaders=Loaders(reader), address=address)
