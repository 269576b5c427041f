"""The GraphQL portfolio API (Strawberry), mounted at ``/graphql`` by `service.app`.

`build_schema` makes the schema for a set of limits; `graphql_controller` the Litestar
controller (GraphiQL only when the settings allow it); `sdl` the text committed as
``schema/schema.graphql``.
"""

from pathlib import Path
from typing import Any

import msgspec
import strawberry
from graphql import GraphQLError
from litestar import Controller, Response
from litestar.background_tasks import BackgroundTasks
from litestar.di import Provide
from strawberry.litestar import make_graphql_controller
from strawberry.types import ExecutionContext

from schema.context import Context, get_context
from schema.errors import ErrorCodes
from schema.executor import executor_class
from schema.graphiql import ROUTES as GRAPHIQL_ROUTES
from schema.graphiql import offline_html
from schema.limits import document_hash, guard_factory
from schema.query import Mutation, Query
from schema.types import Achievement, Credential, Issuer, Learner
from service.settings import GraphQLSettings

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"


class _Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Clients' mistakes and denials are answers, not incidents: `ErrorCodes` logs the rest."""


def build_schema(settings: GraphQLSettings, *, has_fast_path: bool = True) -> strawberry.Schema:
    """The schema; its extensions are factories, so each request gets its own instances.

    Its executor counts every field against the response budget and completes plain fields
    itself (`schema.executor`); ``has_fast_path=False`` sends every field through
    graphql-core's normal path (the tests compare the two).
    """
    return _Schema(
        query=Query,
        mutation=Mutation,
        types=[Learner, Credential, Achievement, Issuer],
        extensions=[guard_factory(settings), ErrorCodes],
        execution_context_class=executor_class(
            settings.max_response_bytes, has_fast_path=has_fast_path
        ),
    )


def _no_root_value(custom_context: Context) -> None:
    """Strawberry's root value (none), after the context.

    With it and the Response shell in a chain (the caller, the context, this, the shell),
    each level of the route's dependencies holds one: Litestar resolves a level of several
    in an anyio task group, a task each.
    """
    del custom_context


def _response_shell(root_value: None) -> Response[Any]:
    """The Response resolvers may set headers on, made in the event loop.

    Strawberry's own provider makes it in a worker thread: a thread hop per operation.
    """
    del root_value
    return Response({}, background=BackgroundTasks([]))


def graphql_controller(settings: GraphQLSettings, principal: Provide) -> type[Controller]:
    """``/graphql``; `principal` provides the caller (None without a bearer token)."""
    base = make_graphql_controller(
        build_schema(settings),
        path="/graphql",
        graphql_ide="graphiql" if settings.ide else None,
        allow_queries_via_get=False,  # no queries in URLs (logs, caches, CSRF)
        context_getter=get_context,
        subscription_protocols=(),
    )

    class GraphQLController(base):  # type: ignore[valid-type,misc]
        dependencies = {  # noqa: RUF012 - Litestar's
            **base.dependencies,
            "principal": principal,
            "response": Provide(_response_shell, sync_to_thread=False),
            "root_value": Provide(_no_root_value, sync_to_thread=False),
        }
        include_in_schema = False
        # No WebSocket: the schema has no subscriptions, and operations sent over one
        # connection would escape the rate limits, which count requests.
        websocket_endpoint = None
        # Unstorable text in a body is refused by the guard, as BAD_USER_INPUT, not by the app.
        opt = {"checks_its_own_input": True}  # noqa: RUF012 - Litestar's

        @property
        def graphql_ide_html(self) -> str:
            """Strawberry's GraphiQL page, its files served by Insigne (works offline)."""
            return offline_html()

        def encode_json(self, data: object) -> bytes:
            """UTF-8 JSON without escapes (French text stays readable), and fast."""
            return msgspec.json.encode(data)

    return GraphQLController


def sdl() -> str:
    """The schema's SDL, as committed (limits do not change it)."""
    return str(build_schema(GraphQLSettings())) + "\n"


__all__ = [
    "GRAPHIQL_ROUTES",
    "SDL_PATH",
    "Context",
    "build_schema",
    "document_hash",
    "graphql_controller",
    "sdl",
]
