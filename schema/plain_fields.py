"""Which schema fields the executor completes itself, and how (`schema.executor`).

A field is plain when Strawberry resolves it by its default attribute read (no resolver, no
field extension or permission, no argument, no exception handler) and its type is a scalar, an
enum, an object type (whose ``is_type_of``, if any, is Strawberry's, which never reads the
resolve info) or a list of those; ``__typename`` is plain too. Anything else is NORMAL: it takes
graphql-core's normal path. The analysis depends on the schema only, so it is done once a field.
"""

from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    TypeNameMetaFieldDef,
)
from strawberry.types.field import StrawberryField

NORMAL, LEAF, TYPENAME, OBJECT, LEAVES, OBJECTS = range(6)


@dataclass(frozen=True, slots=True)
class PlainField:
    """How a schema field completes on the executor's fast path (NORMAL: it does not)."""

    kind: int
    attribute: str = ""
    declared: Any = None  # GraphQLOutputType: the field's type, as declared
    is_non_null: bool = False
    item_type: Any = None  # GraphQLOutputType: a list's item type, as declared
    is_item_non_null: bool = False
    coerce: Any = None  # a leaf's coerce_output_value
    is_text: bool = False  # String or ID: a str is its own coerced value
    object_type: Any = None  # GraphQLObjectType
    is_type_of: Any = None


NORMAL_FIELD = PlainField(NORMAL)
_TYPENAME_FIELD = PlainField(TYPENAME)
_FIELDS: dict[int, tuple[GraphQLField | None, PlainField]] = {}


def plain_field(field: GraphQLField | None) -> PlainField:
    """How `field` completes (None: a field the parent type lacks, left to the normal path)."""
    cached = _FIELDS.get(id(field))
    if cached is not None:
        return cached[1]
    found = _TYPENAME_FIELD if field is TypeNameMetaFieldDef else _analysed(field)
    _FIELDS[id(field)] = (field, found)  # the field kept alive: its id is not reused
    return found


def _analysed(field: GraphQLField | None) -> PlainField:
    """A plain field's kind; NORMAL_FIELD for any other."""
    definition = field.extensions.get("strawberry-definition") if field else None
    if (
        field is None
        or field.args
        or not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or not definition.python_name
        or definition.default_resolver is not getattr
        # Strawberry's own attribute read (exception handlers would wrap it otherwise)
        or getattr(field.resolve, "__name__", "") != "_get_basic_result"
    ):
        return NORMAL_FIELD
    declared = field.type
    is_non_null = isinstance(declared, GraphQLNonNull)
    inner = declared.of_type if isinstance(declared, GraphQLNonNull) else declared
    common: dict[str, Any] = {
        "attribute": definition.python_name,
        "declared": declared,
        "is_non_null": is_non_null,
    }
    if not isinstance(inner, GraphQLList):
        return _single(inner, common)
    item_type = inner.of_type
    item = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    common |= {"item_type": item_type, "is_item_non_null": isinstance(item_type, GraphQLNonNull)}
    if isinstance(item, GraphQLLeafType):
        return PlainField(LEAVES, coerce=item.coerce_output_value, **common)
    if isinstance(item, GraphQLObjectType) and _is_plain_object(item):
        return PlainField(OBJECTS, object_type=item, is_type_of=item.is_type_of, **common)
    return NORMAL_FIELD


def _single(inner: GraphQLOutputType, common: dict[str, Any]) -> PlainField:
    if isinstance(inner, GraphQLLeafType):
        is_text = inner is GraphQLString or inner is GraphQLID
        return PlainField(LEAF, coerce=inner.coerce_output_value, is_text=is_text, **common)
    if isinstance(inner, GraphQLObjectType) and _is_plain_object(inner):
        return PlainField(OBJECT, object_type=inner, is_type_of=inner.is_type_of, **common)
    return NORMAL_FIELD


def _is_plain_object(object_type: GraphQLObjectType) -> bool:
    """Whether its `is_type_of` is none or Strawberry's own (which never reads the info)."""
    check = object_type.is_type_of
    return check is None or getattr(check, "__qualname__", "").endswith(
        "_get_is_type_of.<locals>.is_type_of"
    )
