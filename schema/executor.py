"""graphql-core's executor with a fast path for plain fields, and the response budget.

A portfolio page is about 3,000 fields, nearly all of them plain attributes of objects built
beforehand (`schema.types.credentials_of`). graphql-core spends some 10 µs on each (resolve
info, Strawberry's resolver wrapper, middleware, `complete_value` and its type checks); this
executor completes such fields in a loop of its own: read the attribute, coerce the scalar,
count the budget. Which fields are plain is `schema.plain_fields`' call (Strawberry's default
attribute read, no argument; a scalar, an enum, an object type or a list of those; and
``__typename``). Every other field (a resolver, arguments, an abstract type) takes
graphql-core's normal path, and so does any plain field whose value would be an error there
(null in a non-null field, a scalar that does not coerce, an exception, an awaitable, an
object of another type) or that comes past the budget: the normal path reads it again and
reports it as it always did. The one error handled here is a GraphQLError found as a leaf's
value (a reflection the caller may not read): it is reported exactly as the normal path
reports it, without raising it and resolving the field again. @skip/@include, aliases and
fragments are resolved beforehand, in graphql-core's grouped field sets, which this executor
only reads; with @defer or @stream in the schema, or any middleware, every field takes the
normal path.
"""

import weakref
from collections.abc import Awaitable, Sequence
from types import CoroutineType, GeneratorType
from typing import Any, NamedTuple

from graphql import GraphQLError, GraphQLObjectType, GraphQLOutputType, located_error
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import CollectedErrors, to_nodes
from graphql.execution.middleware import MiddlewareManager
from graphql.pyutils import Path, Undefined, gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.budget import ERROR_SIZE, FIELD_OVERHEAD, ResponseBudget, size, too_large
from schema.plain_fields import (
    LEAF,
    LEAVES,
    NORMAL,
    NORMAL_FIELD,
    OBJECT,
    TYPENAME,
    PlainField,
    plain_field,
)

_MISSING: Any = object()  # "not completed here: the normal path takes the field"
# What this executor's own completion gives when nothing is left to await (no type check).
_COMPLETED = frozenset({dict, list, type(None)})


class _Step(NamedTuple):
    """One response key of a grouped field set."""

    key: str
    key_cost: int  # what the key itself spends of the budget
    details: FieldDetailsList
    field: PlainField


# A step as the loop reads it, unpacked at once: key, key cost, kind, attribute, is text, step.
_Planned = tuple[str, int, int, str, bool, _Step]


def _gathered_with_cancel(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    """graphql-core's ``gather_async_work``, which needs nothing of its executor."""
    return gather_with_cancel(*values)


class PortfolioExecutor(StrawberryGraphQLCoreExecutionContext):
    """The executor of one operation: its budget, and plain fields completed in place."""

    max_response_bytes = 8 * 1024 * 1024
    has_fast_path = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - graphql-core's
        super().__init__(*args, **kwargs)
        self.budget = ResponseBudget(self.max_response_bytes)
        given = self.middleware_manager.middlewares if self.middleware_manager else ()
        # The budget first: it sees what other middleware returns, and stops it when spent.
        self.middleware_manager = MiddlewareManager(self.budget, *given)
        incremental = self.schema.get_directive("defer") or self.schema.get_directive("stream")
        self._is_fast = self.has_fast_path and not given and incremental is None
        # graphql-core's helpers are its bound methods: the executor would be a reference cycle
        # (with the request's context and loaders) left for the garbage collector.
        executor = weakref.ref(self)

        def track(values: Sequence[Any]) -> None:
            if (alive := executor()) is not None:  # alive while any of its work runs
                alive.track_async_work(values)

        self.async_helpers = GraphQLResolveInfoHelpers(gather=_gathered_with_cancel, track=track)
        self._plans: dict[int, tuple[GroupedFieldSet, list[_Planned]]] = {}
        self._children: dict[int, tuple[_Step, GroupedFieldSet | None]] = {}
        self._places: dict[int, GraphQLError] = {}  # a refused field's located error, by step

    def build_response(self, data: dict[str, Any] | None) -> Any:  # noqa: ANN401 - graphql-core's
        """The answer; past the budget, one ``RESPONSE_TOO_LARGE`` error and no data."""
        if self.budget.exceeded:
            self.collected_errors = CollectedErrors()
            self.collected_errors.add(too_large(self.budget.most), None)
            return super().build_response(None)
        return super().build_response(data)

    def execute_fields(  # noqa: C901 - the per-field loop, kept in one frame for speed
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,  # noqa: ANN401 - any object
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,  # noqa: ANN401 - graphql-core's (a @defer map)
    ) -> Any:  # noqa: ANN401 - a dict or an awaitable of one
        if not self._is_fast or position_context is not None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        cached = self._plans.get(id(grouped_field_set))
        plan = cached[1] if cached else self._plan(parent_type, grouped_field_set)
        budget = self.budget
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for key, key_cost, kind, attribute, is_text, step in plan:
                if kind == NORMAL or budget.spent > budget.most:
                    result = _MISSING
                elif kind == LEAF:
                    try:
                        value = getattr(source_value, attribute)
                    except Exception:  # the normal path reads it again and reports it
                        value = _MISSING
                    if is_text and type(value) is str:  # most fields: inline
                        length = len(value) if value.isascii() else len(value.encode())
                        budget.spent += key_cost + length
                        results[key] = value
                        continue
                    if isinstance(value, GraphQLError):  # a refusal as the field's value
                        self._refused(step, value, parent_type, path)
                        results[key] = None
                        continue
                    result = _MISSING if value is _MISSING else self._leaf(step, value)
                elif kind == TYPENAME:
                    result = parent_type.name
                    budget.spent += key_cost + len(result)
                else:
                    result = self._composite(step, parent_type, source_value, path)
                    if (
                        result is not _MISSING
                        and type(result) not in _COMPLETED
                        and self.is_awaitable(result)
                    ):
                        pending.append(key)
                if result is _MISSING:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        step.details,
                        Path(path, key, parent_type.name),
                        position_context,
                    )
                    if result is Undefined:
                        continue
                    if self.is_awaitable(result):
                        pending.append(key)
                results[key] = result
        except Exception:
            if pending:  # settle what siblings started: they may fail too
                self.settle_in_background([results[key] for key in pending])
            raise
        return self._gathered(results, pending) if pending else results

    def _refused(
        self, step: _Step, error: GraphQLError, parent_type: GraphQLObjectType, path: Path | None
    ) -> None:
        """An error found as a leaf's value, reported as the normal path reports it.

        graphql-core raises such a value at its field and handles the error there: located at
        the field, null in a nullable field, propagated from a non-null one; the budget spends
        what its middleware spends on an error value.
        """
        self.budget.spent += step.key_cost + ERROR_SIZE
        field_path = Path(path, step.key, parent_type.name)
        located = self._located(step, error, field_path)
        self.handle_field_error(located, step.field.declared, step.details, field_path)

    def _located(self, step: _Step, error: GraphQLError, path: Path) -> GraphQLError:
        """`located_error`'s error, its place in the query found once per field of the query.

        graphql-core finds an error's line and column by scanning the query's text: for the
        300 refused answers of a portfolio page, 300 scans of the same field. An error that
        has its path is taken as located by `handle_field_error`.
        """
        place = self._places.get(id(step))
        if place is None:
            place = self._places[id(step)] = located_error(error, to_nodes(step.details))
        located = GraphQLError(error.message, path=path.as_list(), original_error=error)
        located.nodes, located.source = place.nodes, place.source
        located.positions, located.locations = place.positions, place.locations
        return located

    def _leaf(self, step: _Step, value: object) -> Any:  # noqa: ANN401 - a scalar or _MISSING
        """A scalar or enum's answer (other than text), spent from the budget, or _MISSING."""
        if value is None:
            if step.field.is_non_null:
                return _MISSING
            self.budget.spent += step.key_cost + 8
            return None
        coerced = _coerced(step.field.coerce, value)
        if coerced is not _MISSING:
            self.budget.spent += step.key_cost + size(value)
        return coerced

    def _composite(
        self, step: _Step, parent_type: GraphQLObjectType, source: object, path: Path | None
    ) -> Any:  # noqa: ANN401 - a completed value, an awaitable, or _MISSING
        """An object or list field's answer, its errors handled as `execute_field` does."""
        try:
            value = getattr(source, step.field.attribute)
        except Exception:  # the normal path reads it again and reports it
            return _MISSING
        if value is None:
            if step.field.is_non_null:
                return _MISSING
            self.budget.spent += step.key_cost + 8
            return None
        if step.field.kind == LEAVES:
            return self._leaves(step, value)
        grouped = self._subfields(step)
        if grouped is None or not _completes(step.field, value):
            return _MISSING
        self.budget.spent += step.key_cost + size(value)
        field_path = Path(path, step.key, parent_type.name)
        object_type = step.field.object_type
        try:
            if step.field.kind == OBJECT:
                completed = self.execute_fields(object_type, value, field_path, grouped, None)
            else:
                completed = self._objects(step, value, field_path, grouped)
        except Exception as error:  # located, then nulled or propagated
            self.handle_field_error(error, step.field.declared, step.details, field_path)
            return None
        if type(completed) not in _COMPLETED and self.is_awaitable(completed):
            return self._awaited(completed, step.field.declared, step.details, field_path)
        return completed

    def _leaves(self, step: _Step, value: object) -> Any:  # noqa: ANN401 - a list or _MISSING
        if not isinstance(value, _LISTS):
            return _MISSING
        completed: list[Any] = []
        for item in value:
            if item is None and not step.field.is_item_non_null:
                completed.append(None)
                continue
            coerced = _MISSING if item is None else _coerced(step.field.coerce, item)
            if coerced is _MISSING:
                return _MISSING
            completed.append(coerced)
        self.budget.spent += step.key_cost + size(value)
        return completed

    def _objects(
        self, step: _Step, items: Sequence[object], path: Path, grouped: GroupedFieldSet
    ) -> Any:  # noqa: ANN401 - a list or an awaitable of one
        """A list of objects, each item's errors handled as `complete_list_item_value` does."""
        object_type, item_type = step.field.object_type, step.field.item_type
        completed: list[Any] = []
        pending: list[int] = []
        try:
            for index, item in enumerate(items):
                item_path = path.add_key(index, None)
                if item is None:  # a nullable item: `_completes` checked
                    completed.append(None)
                    continue
                try:
                    result = self.execute_fields(object_type, item, item_path, grouped, None)
                except Exception as error:  # located, then nulled or propagated
                    self.handle_field_error(error, item_type, step.details, item_path)
                    result = None
                if type(result) not in _COMPLETED and self.is_awaitable(result):
                    result = self._awaited(result, item_type, step.details, item_path)
                    pending.append(index)
                completed.append(result)
        except Exception:
            if pending:
                self.settle_in_background([completed[index] for index in pending])
            raise
        return _gathered_items(completed, pending) if pending else completed

    async def _awaited(
        self,
        completed: Awaitable[Any],
        declared: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:  # noqa: ANN401 - a completed value
        try:
            return await completed
        except Exception as error:  # located, then nulled or propagated
            self.handle_field_error(error, declared, details, path)
            return None

    @staticmethod
    async def _gathered(results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        if len(pending) == 1:
            results[pending[0]] = await results[pending[0]]
        else:
            awaited = await gather_with_cancel(*(results[key] for key in pending))
            results.update(zip(pending, awaited, strict=True))
        return results

    def _plan(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> list[_Planned]:
        """The steps of a grouped field set (graphql-core reuses one per selection and type)."""
        steps = []
        for key, details in grouped.items():
            field = self.schema.get_field(parent_type, details[0].node.name.value)
            kind = plain_field(field) if not details[0].node.arguments else NORMAL_FIELD
            step = _Step(key, len(key) + FIELD_OVERHEAD, details, kind)
            steps.append((key, step.key_cost, kind.kind, kind.attribute, kind.is_text, step))
        self._plans[id(grouped)] = (grouped, steps)  # kept alive: its id is not reused
        return steps

    def _subfields(self, step: _Step) -> GroupedFieldSet | None:
        """An object step's selection, as graphql-core collects it; None with a @defer."""
        cached = self._children.get(id(step))
        if cached is not None:
            return cached[1]
        grouped, defers, _ = self.collect_subfields(step.field.object_type, step.details)
        found = None if defers else grouped
        self._children[id(step)] = (step, found)
        return found


async def _gathered_items(completed: list[Any], pending: list[int]) -> list[Any]:
    if len(pending) == 1:
        completed[pending[0]] = await completed[pending[0]]
        return completed
    awaited = await gather_with_cancel(*(completed[index] for index in pending))
    for index, result in zip(pending, awaited, strict=True):
        completed[index] = result
    return completed


_LISTS = (list, tuple)  # a tuple: ``list | tuple`` in a call builds a union each time it runs
# Types whose values are neither awaitable nor exceptions: graphql-core would complete them.
_INERT: set[type] = {str, int, float, bool, dict, list, tuple}


def _is_inert(value: object) -> bool:
    kind = type(value)
    if kind in _INERT:
        return True
    if (
        issubclass(kind, BaseException | CoroutineType | GeneratorType)
        or hasattr(kind, "__await__")
        or hasattr(value, "__await__")
    ):
        return False
    _INERT.add(kind)
    return True


def _coerced(coerce: Any, value: object) -> Any:  # noqa: ANN401 - a scalar or _MISSING
    """A scalar or enum as the answer gives it, or _MISSING (an error on the normal path)."""
    if not _is_inert(value):
        return _MISSING
    try:
        coerced = coerce(value)
    except Exception:  # the normal path coerces it again and reports it
        return _MISSING
    return _MISSING if coerced is None or coerced is Undefined else coerced


def _completes(field: PlainField, value: object) -> bool:
    """Whether an object (or every item of a list) completes without an error of its own."""
    if field.kind == OBJECT:
        return _is_inert(value) and (field.is_type_of is None or field.is_type_of(value, None))
    if not isinstance(value, _LISTS):
        return False
    for item in value:
        if item is None:
            if field.is_item_non_null:
                return False
        elif not _is_inert(item) or (
            field.is_type_of is not None and not field.is_type_of(item, None)
        ):
            return False
    return True


def executor_class(
    max_response_bytes: int, *, has_fast_path: bool = True
) -> type[PortfolioExecutor]:
    """The executor for a schema whose answers may take `max_response_bytes`."""
    return type(
        "PortfolioExecutor",
        (PortfolioExecutor,),
        {"max_response_bytes": max_response_bytes, "has_fast_path": has_fast_path},
    )
