"""Conversion between models and JSON documents (plain dicts).

https://www.imsglobal.org/spec/ob/v3p0/#serialization
"""

import functools
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi

from openbadges.errors import InvalidDocument
from openbadges.jsontypes import JSONObject
from openbadges.models.base import EXTENSION_TYPES, OB_EXTENSIONS_CONTEXT
from openbadges.models.profiles import Image

T = TypeVar("T", bound=msgspec.Struct)

# OB 3.0, "EndorsementCredential Verification" (note): credentials made under VC 1.1 name these
# `issuanceDate` and `expirationDate`. https://www.imsglobal.org/spec/ob/v3p0/#endorsement-verification
_VC1_DATES = {"issuanceDate": "validFrom", "expirationDate": "validUntil"}
# An extension type's name as it appears in a document's JSON (a `type` value is a string).
_EXTENSION_NAMES = tuple(msgspec.json.encode(name) for name in sorted(EXTENSION_TYPES))


def to_document(model: msgspec.Struct) -> JSONObject:
    """Serialize a model as a JSON document, `@context` first, nulls and empty arrays omitted.

    The extensions context is appended to the `@context` of every credential in the document
    that uses one of its types (``1EdTechRevocationList``...) and does not list it yet.

    Args:
        model: Any model of this package, usually an `OpenBadgeCredential`.

    Returns:
        A new dict holding only JSON types (lists, not tuples).

    https://www.imsglobal.org/spec/ob/v3p0/#json
    """
    encoded = msgspec.json.encode(model)  # through JSON: lists, not tuples, at C speed
    document = msgspec.json.decode(encoded)
    if any(name in encoded for name in _EXTENSION_NAMES):  # most documents use none
        _add_extensions_context(document)
    return document  # type: ignore[no-any-return]  # a Struct always becomes a dict


def from_document(document: JSONObject, type_: type[T]) -> T:
    """Give a typed view of a JSON document, accepting the lenient forms found in the wild.

    Accepted besides the canonical form: a single value where an array is allowed (the
    compacted JSON-LD form), a one-element array where one object is expected, an image given
    as its URL, and VC 1.1 ``issuanceDate``/``expirationDate`` for validFrom/validUntil. Members
    the model does not know are ignored, so never re-encode a view in place of the document.

    Args:
        document: The parsed JSON object; it is not modified.
        type_: The model class to decode into, e.g. `OpenBadgeCredential`.

    Returns:
        The model instance.

    Raises:
        InvalidDocument: The document is not a JSON object, lacks a required member, has a
            member of the wrong JSON type, or breaks a rule such as DateTimeZ or a `type` that
            must contain the class name; the message names the path of the bad value.

    https://www.imsglobal.org/spec/ob/v3p0/#serialization
    """
    if not isinstance(document, dict):
        raise InvalidDocument(f"a {type_.__name__} must be a JSON object, not {document!r:.40}")
    normalised = _normalise(document, _type_info(type_))
    try:
        return msgspec.convert(normalised, type_)
    except msgspec.ValidationError as exc:
        raise InvalidDocument(f"not a valid {type_.__name__}: {exc}") from exc


@functools.cache
def _type_info(type_: type[msgspec.Struct]) -> mi.Type:
    return mi.type_info(type_)


def _add_extensions_context(node: Any) -> bool:  # noqa: ANN401 - any JSON value
    """Add the extensions context where needed; return whether `node` uses an extension type.

    A nested credential (an endorsement) has its own `@context`, so its types count for it only.
    """
    if isinstance(node, list):
        return any([_add_extensions_context(item) for item in node])  # noqa: C419 - visit all
    if not isinstance(node, dict):
        return False
    types = node.get("type")
    names = types if isinstance(types, list) else [types]
    uses = any(isinstance(name, str) and name in EXTENSION_TYPES for name in names)
    for key, value in node.items():
        if key != "@context" and _add_extensions_context(value):
            uses = True
    context = node.get("@context")
    if not isinstance(context, list):
        return uses
    if uses and OB_EXTENSIONS_CONTEXT not in context:
        context.append(OB_EXTENSIONS_CONTEXT)
    return False


def _normalise(value: Any, type_: mi.Type) -> Any:  # noqa: ANN401 - any JSON value
    """Rewrite the lenient forms of `value` into the ones `type_` decodes; copy, never mutate."""
    if isinstance(type_, mi.ListType | mi.VarTupleType):
        items = value if isinstance(value, list) else [value]
        return [_normalise(item, type_.item_type) for item in items]
    if isinstance(type_, mi.StructType):
        return _normalise_object(value, type_)
    members = type_.types if isinstance(type_, mi.UnionType) else (type_,)
    if isinstance(value, int) and not isinstance(value, bool):
        # Integers where the model says String (e.g. a statusListIndex of 3) are seen in the wild.
        is_str = any(isinstance(member, mi.StrType) for member in members)
        return str(value) if is_str else value
    for member in members:
        if value is not None and isinstance(member, mi.StructType | mi.ListType | mi.VarTupleType):
            return _normalise(value, member)
    return value


def _normalise_object(value: Any, type_: mi.StructType) -> Any:  # noqa: ANN401 - any JSON value
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and type_.cls is Image:
        return {"id": value}
    if not isinstance(value, dict):
        return value  # msgspec reports the wrong type, with its path
    result = dict(value)
    names = {field.encode_name for field in type_.fields}
    for legacy, current in _VC1_DATES.items():
        if current in names and current not in result and legacy in result:
            result[current] = result[legacy]
    for field in type_.fields:
        if field.encode_name in result:
            result[field.encode_name] = _normalise(result[field.encode_name], field.type)
    return result
