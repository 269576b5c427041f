"""What the proof covers, read back from the RDF dataset into the members the checks read.

A Data Integrity proof signs the RDF dataset, not the JSON: ``"validUntil": "…"`` and
``"https://www.w3.org/2018/credentials#validUntil": {"@value": "…", "@type": "…#dateTime"}``
are the same signed statement. The checks read JSON members, so `signed_credential` rewrites
the members they read (types, ``id``, ``issuer``, the validity dates, ``credentialStatus``,
the subjects' ``id``, ``type`` and ``identifier``, and a status list's bits) from the dataset,
in the compact form the contexts define; a member the dataset does not hold is removed. A
member whose JSON already says what the dataset says is left as it is, so an ordinary
credential comes back unchanged.
"""

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from openbadges.canonical import Canonicalized
from openbadges.canonical_limits import MAX_SECONDS, MAX_WORK
from openbadges.errors import InvalidDocument, PoisonedDataset
from openbadges.jsontypes import JSONObject
from openbadges.verification import checks
from openbadges.verification.report import Check

__all__ = ["read_signed", "refused", "signed_credential"]

_VC = "https://www.w3.org/2018/credentials#"
_OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
_STATUS = "https://www.w3.org/ns/credentials/status#"
_STATUS_2021 = "https://w3id.org/vc/status-list#"
_REVOCATION_LIST = "https://purl.imsglobal.org/spec/vcrl/v1p0/context.json#"
# Vocabularies whose terms the bundled contexts name by their local name.
_VOCABULARIES = (_VC, _OB, _STATUS, _STATUS_2021, _REVOCATION_LIST)
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = ("http://www.w3.org/2001/XMLSchema#", "https://www.w3.org/2001/XMLSchema#")
_DATES = ("validFrom", "validUntil", "issuanceDate", "expirationDate")
_SUBJECT_MEMBERS = ("statusPurpose", "encodedList", "statusSize")
_IDENTITY = ("identityHash", "identityType", "hashed", "salt")

Value = str | int | bool
Node = ox.NamedNode | ox.BlankNode


def read_signed(
    credential: JSONObject, canonical: Canonicalized | Check
) -> tuple[JSONObject, Check]:
    """The credential as signed, and the terms check (or the canonicalisation's failure)."""
    if isinstance(canonical, Check):
        return credential, canonical
    try:
        checked = signed_credential(credential, canonical.quads, canonical.top)
    except InvalidDocument as error:
        return credential, Check("jsonld-terms", "failed", str(error))
    return checked, checks.check_terms(canonical)


def refused(error: PoisonedDataset) -> Check:
    """The check of a credential whose canonicalisation ran out of budget."""
    detail = {"maxWork": MAX_WORK, "maxSeconds": MAX_SECONDS}
    return Check(
        "canonicalization", "failed", f"refused before its proof was checked: {error}", detail
    )


def signed_credential(
    credential: JSONObject, quads: Iterable[ox.Quad], top: ox.NamedNode | ox.BlankNode | None
) -> JSONObject:
    """The credential with the members the checks read taken from its signed dataset.

    Args:
        credential: the credential as received (its ``proof`` is ignored).
        quads: the credential's RDF dataset, as the proof covers it.
        top: the node the credential's top-level JSON object describes.

    Returns:
        A copy of the credential; the input is not modified.

    Raises:
        InvalidDocument: the dataset does not describe exactly one credential.
    """
    graph = _Graph(quad for quad in quads if isinstance(quad.graph_name, ox.DefaultGraph))
    root = graph.root(top)
    result = dict(credential)
    _put(result, "id", root.value if isinstance(root, ox.NamedNode) else None, "@id")
    _put_types(result, graph.types(root))
    for name in _DATES:
        values = [_lexical(node) for node in graph.objects(root, _VC + name)]
        _put(result, name, _one(values), _VC + name)
    _put_issuer(result, graph.objects(root, _VC + "issuer"))
    entries = [graph.entry(node) for node in graph.objects(root, _VC + "credentialStatus")]
    _put(result, "credentialStatus", _one(entries), _VC + "credentialStatus")
    subjects = graph.objects(root, _VC + "credentialSubject")
    result.pop(_VC + "credentialSubject", None)
    signed_subjects = _subjects(credential.get("credentialSubject"), subjects, graph)
    if signed_subjects is None:
        result.pop("credentialSubject", None)
    else:
        result["credentialSubject"] = signed_subjects
    return result


class _Graph:
    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self._out: dict[Any, list[tuple[str, Any]]] = {}
        for quad in dict.fromkeys(quads):  # a dataset holds each statement once
            self._out.setdefault(quad.subject, []).append((quad.predicate.value, quad.object))

    def root(self, top: Node | None) -> Node:
        if top is None or _VC + "VerifiableCredential" not in self._type_iris(top):
            raise InvalidDocument("the signed data does not describe one credential at its top")
        return top

    def objects(self, node: object, predicate: str) -> list[Any]:
        return [value for name, value in self._out.get(node, []) if name == predicate]

    def _type_iris(self, node: object) -> list[str]:
        return [
            value.value
            for value in self.objects(node, _RDF_TYPE)
            if isinstance(value, ox.NamedNode)
        ]

    def types(self, node: object) -> list[str]:
        return [_term(iri) for iri in self._type_iris(node)]

    def _described(self, node: object, *, is_type_listed: bool) -> JSONObject:
        """A node's ``id`` and ``type``, as the contexts spell them."""
        found: JSONObject = {"id": node.value} if isinstance(node, ox.NamedNode) else {}
        types = self.types(node)
        if types:
            found["type"] = types if is_type_listed or len(types) > 1 else types[0]
        return found

    def entry(self, node: object) -> JSONObject:
        """A status entry: its members in the status vocabularies."""
        entry = self._described(node, is_type_listed=False)
        for predicate, value in self._out.get(node, []):
            name = _term(predicate)
            if predicate != _RDF_TYPE and name != predicate:
                values = (
                    [*_as_list(entry.get(name)), _lexical(value)]
                    if name in entry
                    else [_lexical(value)]
                )
                entry[name] = _one(values)
        return entry

    def subject(self, node: object) -> JSONObject:
        """A subject's id, types, recipient identifiers and status list members."""
        found = self._described(node, is_type_listed=True)
        identities = [self._identity(value) for value in self.objects(node, _OB + "identifier")]
        if identities:
            found["identifier"] = identities
        for name in _SUBJECT_MEMBERS:
            for vocabulary in (_STATUS, _STATUS_2021):
                values = [_lexical(value) for value in self.objects(node, vocabulary + name)]
                if values:
                    found[name] = _one(values)
        return found

    def _identity(self, node: object) -> JSONObject:
        identity: JSONObject = {"type": _one(self.types(node))}
        for name in _IDENTITY:
            values = [_lexical(value) for value in self.objects(node, _OB + name)]
            if values:
                identity[name] = _one(values)
        if isinstance(identity.get("hashed"), str):
            identity["hashed"] = identity["hashed"] == "true"
        return identity


def _subjects(received: object, nodes: list[Any], graph: _Graph) -> object:
    signed = [graph.subject(node) for node in nodes]
    members = ("id", "type", "identifier", *_SUBJECT_MEMBERS)
    if isinstance(received, list) and len(received) == 1:
        received = received[0]
    if len(signed) == 1 and isinstance(received, dict):
        kept = {
            key: value
            for key, value in received.items()
            if key not in members and not key.startswith("@") and _term(key) == key
        }
        merged = {**kept, **signed[0]}
        return received if _same(received, merged, members) else merged
    return _one(signed)


def _same(received: JSONObject, merged: JSONObject, members: Iterable[str]) -> bool:
    if set(received) != set(merged):
        return False
    for name in members:
        left, right = received.get(name), merged.get(name)
        if name == "type":
            left, right = sorted(_as_list(left)), sorted(_as_list(right))
        if left != right:
            return False
    return True


def _put(document: JSONObject, name: str, value: object, *aliases: str) -> None:
    """Set a member to the signed value (or remove it), unless the JSON already says it."""
    for alias in aliases:
        document.pop(alias, None)
    if value is None or value == []:
        document.pop(name, None)
    elif not _is_equivalent(document.get(name), value):
        document[name] = value


def _put_types(document: JSONObject, types: list[str]) -> None:
    document.pop("@type", None)
    document.pop(_RDF_TYPE, None)
    if set(_as_list(document.get("type"))) != set(types):
        document["type"] = types


def _put_issuer(document: JSONObject, nodes: list[Any]) -> None:
    spelt = document.pop(_VC + "issuer", None)
    received = document.get("issuer", spelt)
    if isinstance(received, list) and len(received) == 1:
        received = received[0]
    ids = [node.value if isinstance(node, ox.NamedNode) else None for node in nodes]
    if len(ids) != 1:
        document["issuer"] = ids
    elif isinstance(received, dict):
        profile = {key: value for key, value in received.items() if key not in ("@id", "id")}
        if ids[0] is not None:
            profile["id"] = ids[0]
        if profile != document.get("issuer"):
            document["issuer"] = profile
    elif received != ids[0]:
        document["issuer"] = ids[0]


def _is_equivalent(received: object, signed: object) -> bool:
    if received == signed:
        return True
    if isinstance(signed, dict) and isinstance(received, list) and len(received) == 1:
        return bool(received[0] == signed)
    return False


def _term(iri: str) -> str:
    for vocabulary in _VOCABULARIES:
        if iri.startswith(vocabulary):
            return iri.removeprefix(vocabulary)
    return iri


def _lexical(node: object) -> Value:
    if isinstance(node, ox.Literal):
        datatype = node.datatype.value
        if datatype in (xsd + "integer" for xsd in _XSD):
            try:
                return int(node.value)
            except ValueError:
                return node.value
        return node.value
    if isinstance(node, ox.NamedNode):
        return node.value
    return str(node)


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _one(values: list[Any]) -> Any:  # noqa: ANN401 - JSON
    """One value as itself, several as a list (which the checks refuse), none as None."""
    if not values:
        return None
    return values[0] if len(values) == 1 else values
