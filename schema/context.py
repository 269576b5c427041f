"""The per-request GraphQL context: the caller, the runtime and the request's DataLoaders.

graphql-core resolves sibling fields concurrently, and an AsyncSession must never be used by
two tasks at once, so no session is shared: every DataLoader batch (and every root lookup)
opens a read unit of its own. A per-request semaphore bounds how many such units one request
holds at once (a database on a single connection, as in tests, serves one at a time).
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.types import Scope
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension
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
        """A unit with the portfolio reads only (a DataLoader batch's: many per request)."""
        async with self._gate, self.runtime.portfolios(self.principal) as portfolios:
            yield portfolios


class Loaders:
    """One DataLoader per relation, per request (their caches never outlive it)."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self.signed_forms = self._loader(lambda p, ids: p.signed_forms(ids))
        self.evidence = self._loader(lambda p, ids: p.evidence(ids), default=list)
        self.achievements: DataLoader[uuid.UUID, Achievement | None] = self._loader(_achievements)
        self.issuers: DataLoader[uuid.UUID, IssuerProfile | None] = self._loader(_issuers)

    def release(self) -> None:
        """Let go of everything loaded, once the answer is built.

        graphql-core's execution context is a reference cycle and holds this request's
        context: without this, the rows read (reflections among them) would stay in memory
        until a garbage collection, and each portfolio would leave a collection's worth of
        garbage.
        """
        for loader in (self.signed_forms, self.evidence, self.achievements, self.issuers):
            loader.clear_all()
            loader.batch = None

    def _loader(
        self,
        batch: Callable[[PortfolioService, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, V]]],
        default: Callable[[], V] | None = None,
    ) -> DataLoader[uuid.UUID, V | None]:
        reader = self._reader  # not self: a loader holding its Loaders would be a cycle

        async def load(keys: list[uuid.UUID]) -> list[V | None]:
            async with reader.portfolios() as portfolios:
                found = await batch(portfolios, keys)
            return [found.get(key, default() if default else None) for key in keys]

        return DataLoader(load_fn=load)


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


class ReleaseLoaders(SchemaExtension):
    """Each operation's loaders let go of what they read when the operation ends."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        if isinstance(context, Context):
            context.loaders.release()


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
