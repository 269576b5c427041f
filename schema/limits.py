"""What keeps a GraphQL request cheap: trusted documents, caches, limits, an answer size cap.

Depth, aliases, tokens and an estimated cost are checked before execution. The estimate
multiplies along every path by what execution will really return: a page by its ``first`` (a
literal, a variable's value or its declared default, else the server's default page), a plain
list by its bound (`LIST_BOUNDS`, else the largest page: a learner's levels and competencies are
cut there). Should the estimate still misjudge a query, the executor's `ResponseBudget`
(`schema.budget`) stops it once its answer passes ``max_response_bytes``: the whole answer is
then one ``RESPONSE_TOO_LARGE`` error, never a partial one.

Strawberry >= 0.316 builds schema extensions per request from classes or factories (shared
instances leaked state between concurrent requests), so `guard_factory` returns a factory.
The caches it closes over hold only parsed and validated documents, never request state, and
are LRU-bounded. The validation rules are built once, so the validation cache keys repeat
(strawberry's QueryDepthLimiter would make a new rule class, and miss the cache, per request).
"""

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    parse,
    validate,
    value_from_ast_untyped,
    visit,
)
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from schema.errors import coded
from service.domain.catalogue.definitions import MAX_ALIGNMENTS, MAX_PROMPTS
from service.domain.portfolios.organisation_stats import MAX_RANGE_DAYS
from service.domain.storable import is_unstorable, unstorable_paths
from service.settings import GraphQLSettings

# Plain lists whose length the domain bounds; any other counts (and is cut) at the largest page.
LIST_BOUNDS = {
    "Credential.evidence": MAX_PROMPTS,
    "Achievement.alignments": MAX_ALIGNMENTS,
    "OrganisationStatsReport.months": MAX_RANGE_DAYS // 28 + 1,
}
_PLACEHOLDER = parse("{ __typename }")


def document_hash(query: str) -> str:
    """How a trusted document is named: the sha256 hex digest of its exact text."""
    return hashlib.sha256(query.encode()).hexdigest()


@dataclass(frozen=True)
class Limits:
    settings: GraphQLSettings
    rules: tuple[type[ASTValidationRule], ...]
    parse: Callable[[str], DocumentNode]
    validate: Callable[..., list[GraphQLError]]
    has_unstorable_literal: Callable[[DocumentNode], bool]


def guard_factory(settings: GraphQLSettings) -> Callable[[], SchemaExtension]:
    """A new `QueryGuard` per request, sharing the bounded caches and the rules."""
    rules: list[type[ASTValidationRule]] = [
        max_depth_rule(settings.max_depth, None),
        max_aliases_rule(settings.max_aliases),
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)  # __schema and __type alike

    def parse_document(query: str) -> DocumentNode:
        return parse(query, max_tokens=settings.max_tokens)

    limits = Limits(
        settings=settings,
        rules=tuple(rules),
        parse=lru_cache(maxsize=settings.cache_size)(parse_document),
        validate=lru_cache(maxsize=settings.cache_size)(validate),
        # A parsed document is cached (the same object for the same text): so is its verdict.
        has_unstorable_literal=lru_cache(maxsize=settings.cache_size)(_has_unstorable_literal),
    )
    return lambda: QueryGuard(limits)


class QueryGuard(SchemaExtension):
    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self._limits = limits
        self._refused = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query or ""
        trusted = self._limits.settings.trusted_documents
        if trusted and document_hash(query) not in trusted:
            self._refused = True
            context.graphql_document = _PLACEHOLDER  # never parse what is refused
        else:
            context.parse_options["max_tokens"] = self._limits.settings.max_tokens
            # On a syntax error strawberry parses it again (same options) and reports it.
            with contextlib.suppress(GraphQLError):
                context.graphql_document = self._limits.parse(query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self._refused:
            context.pre_execution_errors = [
                coded("this document is not among the trusted ones", "PERSISTED_QUERY_NOT_FOUND")
            ]
        elif context.graphql_document is not None:
            schema = context.schema._schema
            rules = (*context.validation_rules, *self._limits.rules)
            errors = list(self._limits.validate(schema, context.graphql_document, rules))
            if not errors:
                errors = _unstorable_errors(
                    context.graphql_document,
                    context.variables or {},
                    self._limits.has_unstorable_literal,
                )
            if not errors:
                errors = self._cost_errors(schema, context.graphql_document)
            context.pre_execution_errors = errors
        yield

    def _cost_errors(self, schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
        context, settings = self.execution_context, self._limits.settings
        cost = estimate_cost(
            schema,
            document,
            context.operation_name,
            context.variables or {},
            default_page=settings.default_page_size,
            max_page=settings.max_page_size,
        )
        if cost <= settings.max_cost:
            return []
        return [
            coded(
                f"the query could return about {cost} nodes; the limit is {settings.max_cost}",
                "QUERY_TOO_COMPLEX",
                cost=cost,
                maxCost=settings.max_cost,
            )
        ]

    async def on_execute(self) -> AsyncIterator[None]:
        seconds = self._limits.settings.timeout_seconds
        try:
            async with asyncio.timeout(seconds):
                yield
        except TimeoutError:
            raise coded(f"the query took longer than {seconds:g} s", "TIMEOUT") from None


class _StringLiterals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def enter_string_value(self, node: StringValueNode, *_: object) -> None:
        self.found.append(node.value)


def _has_unstorable_literal(document: DocumentNode) -> bool:
    """Whether a string literal of the document holds a NUL or a lone surrogate."""
    literals = _StringLiterals()
    visit(document, literals)
    return any(is_unstorable(text) for text in literals.found)


def _unstorable_errors(
    document: DocumentNode,
    variables: Mapping[str, Any],
    has_unstorable_literal: Callable[[DocumentNode], bool] = _has_unstorable_literal,
) -> list[GraphQLError]:
    """A NUL or a lone surrogate in an argument or a variable: refused before any resolver."""
    if has_unstorable_literal(document) or next(unstorable_paths(dict(variables)), None):
        return [
            coded(
                "an argument or a variable holds a NUL character or a lone surrogate",
                "BAD_USER_INPUT",
            )
        ]
    return []


@dataclass(frozen=True)
class _Walk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    default_page: int
    max_page: int


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
    *,
    default_page: int,
    max_page: int = 100,
) -> int:
    """The nodes a valid operation can return: each field counts once per parent it may have.

    A field with a ``first`` argument multiplies what is under it by ``first`` (a literal, the
    variable's value, else the variable's declared default, else `default_page`); a plain list
    by its `LIST_BOUNDS` entry, else by `max_page`. Aliases and repeated fragments count each
    time they appear, as they are each resolved.
    """
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    declared = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    # A value given, null included, replaces the default (GraphQL §6.4.1 CoerceVariableValues).
    walk = _Walk(schema, fragments, {**declared, **variables}, default_page, max_page)
    return _cost(walk, operation.selection_set, root, 1) if root else 0


def _cost(
    walk: _Walk, selections: SelectionSetNode, parent: GraphQLNamedType | None, multiplier: int
) -> int:
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            total += multiplier
            if selection.selection_set is None:
                continue
            fields = (
                parent.fields
                if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
                else {}
            )
            field = fields.get(selection.name.value)
            if field is None:
                continue
            # A connection's edges and nodes are its page, already counted at the connection.
            is_page = parent is not None and parent.name.endswith("Connection")
            bound = LIST_BOUNDS.get(f"{field_owner(parent)}.{selection.name.value}", walk.max_page)
            fan_out = (
                1
                if is_page
                else _fan_out(walk, selection, field.type, "first" in field.args, bound)
            )
            child = get_named_type(field.type)
            total += _cost(walk, selection.selection_set, child, multiplier * fan_out)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            child = walk.schema.get_type(condition.name.value) if condition else parent
            total += _cost(walk, selection.selection_set, child, multiplier)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = walk.fragments.get(selection.name.value)
            if fragment is not None:
                child = walk.schema.get_type(fragment.type_condition.name.value)
                total += _cost(walk, fragment.selection_set, child, multiplier)
    return total


def field_owner(parent: GraphQLNamedType | None) -> str:
    return parent.name if parent is not None else ""


def _fan_out(walk: _Walk, node: FieldNode, kind: Any, is_paged: bool, bound: int) -> int:  # noqa: ANN401
    if is_paged:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 1)
            if isinstance(value, VariableNode):
                given = walk.variables.get(value.name.value)
                return max(given, 1) if isinstance(given, int) else walk.default_page
        return walk.default_page
    return bound if isinstance(get_nullable_type(kind), GraphQLList) else 1
